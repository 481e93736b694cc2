"""Run `verify` from a checkout: ``python cli.py inspect clip.mp4``."""

from verify.cli import run

if __name__ == "__main__":
    run()
