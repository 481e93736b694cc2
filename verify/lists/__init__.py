"""Hash lists shared between organisations: PDQ, vPDQ and MD5 signals in the formats of
Meta's tools and python-threatexchange."""
