"""Run `verify` from a checkout: ``python cli.py inspect clip.mp4``."""

from verify.cli import main

if __name__ == "__main__":
    main()
