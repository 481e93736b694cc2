"""verify: establish what a video is and where it came from, offline."""

__version__ = "0.1.0"
