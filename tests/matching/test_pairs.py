"""Stage 2 over many known videos at once: the same pairs as one video at a time."""

from __future__ import annotations

import dataclasses

import pytest

from verify.bank.store import KnownVideo
from verify.config import MATCH
from verify.hashing.fingerprint import fingerprint_video
from verify.hashing.forms import Form, FrameTable
from verify.matching.pairs import close_pairs, pair_counts
from verify.matching.score import best_match, could_match


@pytest.fixture(scope="module")
def tables(samples):
    names = ("original.mov", "vertical_rotated.mp4", "cropped.mp4", "stripped.mp4", "photo.jpg")
    known = [fingerprint_video(samples / n).table() for n in names]
    # A known video stored before one of the forms existed: compared on the others.
    older = known[0].forms.copy()
    del older[Form.CENTRE70]
    known.append(dataclasses.replace(known[0], forms=older))
    clip = fingerprint_video(samples / "telegram_reencode.mp4", MATCH.query_sampling).table()
    return clip, known


def _video(table: FrameTable) -> KnownVideo:
    return KnownVideo(
        1, "0" * 64, "/known.mp4", 1, float(table.time.max()), 640, 360, "fps=2",
        "2024-01-01T00:00:00Z", None, None, None, {}, table.size,
    )  # fmt: skip


def test_counts_over_many_known_videos_equal_one_at_a_time(tables):
    clip, known = tables
    for mirrored in (False, True):
        one_by_one = [close_pairs(clip, k, mirrored=mirrored).size for k in known]
        assert pair_counts(clip, known, mirrored=mirrored).tolist() == one_by_one
        assert pair_counts(clip, known[::-1], mirrored=mirrored).tolist() == one_by_one[::-1]
    assert pair_counts(clip, [], mirrored=False).tolist() == []


def test_only_videos_that_could_not_align_are_passed_over(tables):
    clip, known = tables
    hopeful = could_match(clip, known)
    matches = [best_match(clip, k, _video(k), float(clip.time.max())) for k in known]
    # Some pass, some do not: the copies of the same footage against the photo.
    assert hopeful.any() and not hopeful.all(), hopeful
    for worth, match in zip(hopeful.tolist(), matches, strict=True):
        assert worth or match is None
    assert matches[0] is not None and hopeful[0]
