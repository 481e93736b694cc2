"""The version of verify (one place: the package, its reports and pyproject read it)."""

__version__ = "0.1.0"
