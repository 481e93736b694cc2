"""The provenance report: its model, how it is built, its HTML page."""
