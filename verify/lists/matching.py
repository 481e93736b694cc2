"""Matching a file against the shared hash lists in a bank, by the lists' own rules.

A list names footage by hash only, so a list match says "this file is (or
contains) what list X calls entry N", with vPDQ's percentages: how much of
the query the entry covers and how much of the entry the query covers. MD5
entries match the file's exact bytes. These are reported beside the pHash
matches against the bank's own videos, never mixed with them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from verify.config import LISTS, ListConfig
from verify.hashing.vpdq import VpdqHash, compare
from verify.lists.signals import FileSignals
from verify.lists.stored import ListRecord, pdq_keys


@dataclasses.dataclass(frozen=True)
class ListMatch:
    """One list entry the file matches, and by which rule."""

    entry: ListRecord
    rule: str  # "vpdq" (picture hashes, vPDQ's rule) or "md5" (the same bytes)
    query_percent: float | None = None  # vpdq: the share of the file's frames matched
    entry_percent: float | None = None  # vpdq: the share of the entry's frames matched

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "rule": self.rule,
            "query_percent": None if self.query_percent is None else round(self.query_percent, 1),
            "entry_percent": None if self.entry_percent is None else round(self.entry_percent, 1),
        }


def query_hashes(signals: FileSignals) -> VpdqHash:
    """The file's picture hashes as a vPDQ (a photo: its one PDQ)."""
    if signals.vpdq is not None:
        return signals.vpdq
    assert signals.pdq is not None
    return VpdqHash.from_text(f"0,{signals.pdq.quality},{signals.pdq},0")


def match_lists(
    bank: Any, signals: FileSignals, config: ListConfig = LISTS
) -> tuple[ListMatch, ...]:
    """Every list entry in ``bank`` that ``signals`` match: MD5 first, then by vPDQ share."""
    found = [ListMatch(entry, "md5") for entry in bank.list_md5(signals.md5)]
    query = query_hashes(signals)
    words = query.words(config)
    if words.shape[0]:
        usable = {f.pdq.value for f in query.features if f.quality >= config.vpdq_min_quality}
        ids = [
            i
            for i, _votes in bank.list_candidates(
                pdq_keys(usable), limit=config.list_max_candidates
            )
        ]
        pictured = []
        for entry, hashed in bank.list_entries(ids).values():
            result = compare(words, hashed.words(config), config)
            if result.matches(config):
                pictured.append(
                    ListMatch(entry, "vpdq", result.query_percent, result.target_percent)
                )
        pictured.sort(key=lambda m: (-(m.query_percent or 0), -(m.entry_percent or 0), m.entry.id))
        found += pictured
    return tuple(found)
