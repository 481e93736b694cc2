"""Stage 1 on a real bank: thinning the lookup keys when a lookup would read too much."""

from __future__ import annotations

import dataclasses

from verify.bank import open_bank
from verify.bank.store import slice_keys
from verify.config import MATCH
from verify.hashing.fingerprint import fingerprint_video
from verify.hashing.forms import Form
from verify.matching.candidates import find_candidates, lookup_hashes, thin_keys
from verify.matching.match import match_file
from verify.matching.reframe import Reframer


def _bank(tmp_path, samples):
    bank = open_bank(tmp_path / "bank.sqlite")
    for name in ("original.mov", "vertical_rotated.mp4", "photo.jpg"):
        bank.add_video(fingerprint_video(samples / name))  # at the bank's own sampling
    return bank


def test_keys_are_thinned_to_the_posting_budget_and_a_copy_still_matches(tmp_path, samples):
    bank = _bank(tmp_path, samples)
    clip = Reframer(samples / "telegram_reencode.mp4", MATCH.query_sampling)
    keys = sorted(slice_keys(lookup_hashes(clip.fingerprint().table(), clip.probe_hashes)))
    postings = bank.posting_count(keys)
    assert len(keys) > 100 and postings > 100
    # A budget the bank is well inside: every key is looked up.
    assert thin_keys(bank, keys, MATCH) == keys
    # A quarter of what the keys read: about a quarter of them, the same every time,
    # spread over all four slice positions.
    tight = dataclasses.replace(MATCH, max_probe_postings=postings // 4)
    kept = thin_keys(bank, keys, tight)
    assert kept == thin_keys(bank, keys, tight) and set(kept) < set(keys)
    assert 0.15 * len(keys) <= len(kept) <= 0.4 * len(keys), (len(kept), len(keys))
    assert {k >> 16 for k in kept} == {0, 1, 2, 3}
    assert bank.posting_count(kept) <= 0.5 * postings
    # The copy shares keys on most of its frames: still the first candidate, still matched.
    first = find_candidates(bank, lookup_hashes(clip.fingerprint().table()), tight)[0]
    original = next(v for v in bank.videos() if v.path.endswith("original.mov"))
    assert first[0] == original.id
    report = match_file(samples / "telegram_reencode.mp4", bank, tight)
    assert [m.video.sha256 for m in report.matches][:1] == [original.sha256]
    bank.close()


def test_a_clip_of_few_keys_needs_one_vote(tmp_path, samples):
    """Still footage repeats a few hashes: a copy a few bits off may meet its video on
    one key, which makes it a candidate when the clip looks up few keys."""
    bank = _bank(tmp_path, samples)
    original = next(v for v in bank.videos() if v.path.endswith("original.mov"))
    stored = int(bank.known_frames(original.id).forms[Form.PHASH][0])
    # The same lowest slice; one bit flipped in each of the other three.
    near = stored ^ (1 << 16) ^ (1 << 32) ^ (1 << 48)
    assert len(slice_keys([near]) & slice_keys([stored])) == 1
    assert (original.id, 1) in find_candidates(bank, [near], MATCH)
    # Where one vote is not enough (a clip of many keys needs two), it is none.
    two = dataclasses.replace(MATCH, single_vote_below_keys=0)
    assert original.id not in [v for v, _votes in find_candidates(bank, [near], two)]
    bank.close()
