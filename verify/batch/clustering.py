"""Group the copies of the same footage found in one folder.

Videos are linked by the matcher itself: each video's frames go into a
temporary bank (thinned to the bank's sampling, as `verify index add` stores
them) and every video, at the denser query sampling, is matched against it
with the matcher's recipe. The fingerprints in the rows are matched first
(`match_fingerprint`); still footage that no match links to anything is
then matched again from its file with `match_file`, which keeps the clip's
pictures: an off-centre crop of it finds its candidates only through them. Any match with an aligned
segment links the two files. Pictures (photos, stills) are linked when their
pHashes are within ``match_distance`` bits by the matcher's pairings
(`verify.hashing.forms.pairings`), either way round. Identical bytes (same
SHA-256) are always linked.

Links are transitive (union-find): a compilation holding two different clips
joins both clips' groups, and the links kept with each group show why.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verify.bank import BankStore, open_bank
from verify.config import HASH, INSPECT, MATCH, HashConfig, MatchConfig
from verify.errors import VerifyError
from verify.hashing.fingerprint import VideoFingerprint, thin_to_rate
from verify.hashing.forms import pairings
from verify.hashing.phash import distance_table
from verify.matching.match import match_file, match_fingerprint
from verify.matching.results import MatchReport
from verify.media.sampling import Sampling


@dataclasses.dataclass(frozen=True)
class Item:
    """One file to group: its key (a path), its bytes' SHA-256, its fingerprint."""

    key: str
    sha256: str
    fingerprint: VideoFingerprint | None
    picture: bool  # a still: compared by pHash, not by the video matcher
    path: str | None = None  # the file, to match again with its pictures (off-centre crops)


@dataclasses.dataclass(frozen=True)
class Link:
    """Why two files are in one group: ``identical`` bytes, shared ``footage``, same ``picture``."""

    a: str
    b: str
    kind: str
    score: float | None  # the matcher's score (footage) or 1 - distance / 64 (picture)

    def to_dict(self) -> dict[str, Any]:
        score = round(self.score, 4) if self.score is not None else None
        return {"a": self.a, "b": self.b, "kind": self.kind, "score": score}


@dataclasses.dataclass(frozen=True)
class Group:
    """Files showing the same footage (two or more), sorted by key, with their links."""

    keys: tuple[str, ...]
    links: tuple[Link, ...]


class _UnionFind:
    def __init__(self, keys: Iterable[str]):
        self.parent = {key: key for key in keys}

    def find(self, key: str) -> str:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:  # path compression
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_groups(
    items: Sequence[Item],
    *,
    workdir: str | None = None,
    config: MatchConfig = MATCH,
    hash_config: HashConfig = HASH,
    timeout: float = INSPECT.probe_timeout_s,
) -> list[Group]:
    """Groups of two or more items that are copies of each other, in key order.

    ``workdir`` holds the temporary bank (default: the system's temporary folder).
    """
    items = sorted(items, key=lambda item: item.key)
    links = _identical_links(items)
    distinct = _first_per_sha(items)
    videos = [i for i in distinct if not i.picture and i.fingerprint is not None]
    pictures = [i for i in distinct if i.picture and i.fingerprint is not None]
    links += _footage_links(videos, workdir, config, hash_config, timeout)
    links += _picture_links(pictures, config)
    union = _UnionFind(item.key for item in items)
    for link in links:
        union.union(link.a, link.b)
    members: dict[str, list[str]] = {}
    for item in items:
        members.setdefault(union.find(item.key), []).append(item.key)
    groups = []
    for keys in members.values():
        if len(keys) < 2:
            continue
        inside = set(keys)
        kept = sorted((link for link in links if link.a in inside), key=lambda k: (k.a, k.b))
        groups.append(Group(tuple(sorted(keys)), tuple(kept)))
    return sorted(groups, key=lambda group: group.keys)


def _first_per_sha(items: Sequence[Item]) -> list[Item]:
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item.sha256, item)
    return list(seen.values())


def _identical_links(items: Sequence[Item]) -> list[Link]:
    first: dict[str, str] = {}
    links = []
    for item in items:
        if item.sha256 in first:
            links.append(Link(first[item.sha256], item.key, "identical", 1.0))
        else:
            first[item.sha256] = item.key
    return links


def _footage_links(
    videos: Sequence[Item],
    workdir: str | None,
    config: MatchConfig,
    hash_config: HashConfig,
    timeout: float,
) -> list[Link]:
    """Match every video against a temporary bank of all of them."""
    if len(videos) < 2:
        return []
    stored_rate = Sampling.parse(hash_config.sampling).rate or 2.0
    by_sha = {video.sha256: video for video in videos}
    best: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory(prefix="verify-clusters-", dir=workdir) as folder:
        bank = open_bank(Path(folder) / "batch.sqlite")
        try:
            for video in videos:
                bank.add_video(thin_to_rate(video.fingerprint, stored_rate), path=video.key)
            reports = {v.key: match_fingerprint(v.fingerprint, bank, config) for v in videos}
            for video in videos:
                _add_links(best, video, reports[video.key], by_sha)
            # Off-centre crops need the clip's pictures. A candidate that matched
            # at all is linked already; one that matched nothing is, in a folder,
            # almost always unrelated footage (looking again at each would decode
            # every file twice). Still footage is the exception: without its
            # pictures' keys it may find no candidate at all, so a still video
            # left unlinked is matched again from its file.
            for video in videos:
                report = reports[video.key]
                linked = any(video.key in pair for pair in best)
                if report.unprobed and not linked:
                    again = _look_again(video, bank, config, hash_config, timeout)
                    if again is not None:
                        _add_links(best, video, again, by_sha)
        finally:
            bank.close()  # before the folder goes
    return [Link(a, b, "footage", score) for (a, b), score in sorted(best.items())]


def _add_links(
    best: dict[tuple[str, str], float], video: Item, report: MatchReport, by_sha: dict[str, Item]
) -> None:
    """Each match of ``video`` as a link, keeping a pair's best score."""
    for match in report.matches:
        other = by_sha.get(match.video.sha256)
        if other is None or other.key == video.key:
            continue
        pair = (min(video.key, other.key), max(video.key, other.key))
        best[pair] = max(best.get(pair, 0.0), match.score)


def _look_again(
    video: Item, bank: BankStore, config: MatchConfig, hash_config: HashConfig, timeout: float
) -> MatchReport | None:
    """The video matched from its file, with its pictures; None if it cannot be read now."""
    if video.path is None or video.fingerprint is None:
        return None
    try:
        return match_file(
            video.path, bank, config, sampling=video.fingerprint.sampling, timeout=timeout,
            known_digest=(video.sha256, video.fingerprint.size),
            hash_config=dataclasses.replace(hash_config, frame_pdq=False),  # only its matches
        )  # fmt: skip
    except VerifyError:  # gone or changed since its row was made: what the row gives
        return None


def _picture_links(pictures: Sequence[Item], config: MatchConfig) -> list[Link]:
    """Pictures whose first usable frames look alike (matcher pairings, pHash bits)."""
    usable = []
    for item in pictures:
        frame = next(iter(item.fingerprint.usable_frames), None)
        if frame is not None:
            usable.append((item.key, frame))
    if len(usable) < 2:
        return []

    forms = {
        form: np.array([f.forms[form].value for _, f in usable], np.uint64)
        for form in usable[0][1].forms
    }
    ways = pairings(forms, forms, mirrored=False) + pairings(forms, forms, mirrored=True)
    ways += [(b, a) for a, b in ways]  # either picture may be the copy
    links = []
    chunk = 512  # rows per block: memory stays at chunk x n small integers
    for start in range(0, len(usable), chunk):
        rows = slice(start, start + chunk)
        distance = np.minimum.reduce([distance_table(forms[a][rows], forms[b]) for a, b in ways])
        for i, j in zip(*np.nonzero(distance <= config.match_distance), strict=True):
            a, b = start + int(i), int(j)
            if a < b:
                score = 1 - int(distance[i, j]) / 64
                links.append(Link(usable[a][0], usable[b][0], "picture", score))
    return links
