"""Damaged and hostile stills: the structure readers never raise, whatever the bytes."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import pytest

from verify.errors import VerifyError
from verify.inspection.inspect import inspect_file
from verify.inspection.metadata import read_exif
from verify.inspection.still import read_still_facts
from verify.media.filetype import sniff

CORPUS = Path(__file__).resolve().parents[1] / "data" / "metadata"
SEEDS = range(12)
STILLS = sorted(
    p for p in CORPUS.rglob("*") if p.suffix.lower() in {".jpg", ".png", ".webp", ".heic", ".gif"}
)[::9]


def _mutations(data: bytes, seed: int) -> list[bytes]:
    """Cuts, flipped header bytes and lengths set to their maximum, from one seed."""
    rng = random.Random(seed)
    head = min(len(data), 4096)
    cut = data[: rng.randrange(2, max(3, len(data)))]
    flipped = bytearray(data)
    for _ in range(8):
        at = rng.randrange(0, head)
        flipped[at] ^= 1 << rng.randrange(8)
    widened = bytearray(data)
    at = rng.randrange(0, max(1, head - 4))
    widened[at : at + 4] = b"\xff\xff\xff\xff"
    return [cut, bytes(flipped), bytes(widened)]


@pytest.mark.parametrize("path", STILLS, ids=[p.name for p in STILLS])
def test_structure_readers_survive_damage(path, tmp_path):
    kind = sniff(path).kind
    for seed in SEEDS:
        for number, data in enumerate(_mutations(path.read_bytes(), seed)):
            target = tmp_path / f"{seed}-{number}{path.suffix}"
            target.write_bytes(data)
            facts, block = read_still_facts(target, kind)
            assert facts.width is None or facts.width >= 0
            if block is not None:
                read_exif(block)


@pytest.mark.parametrize("path", STILLS[:6], ids=[p.name for p in STILLS[:6]])
def test_inspect_of_damaged_stills_fails_cleanly(path, tmp_path):
    for number, data in enumerate(_mutations(path.read_bytes(), 7)):
        target = tmp_path / f"{number}{path.suffix}"
        target.write_bytes(data)
        with contextlib.suppress(VerifyError):  # a clean error is fine; anything else fails
            inspect_file(target)
