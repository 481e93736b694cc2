"""Match a clip against the bank: which known videos it copies, and where.

`match_file` is the one recipe every caller uses (``verify match``,
``verify report``, ``verify batch`` and its grouping): it fingerprints the
clip at ``config.query_sampling`` keeping its pictures, and runs the stages:

1. `candidates`: known videos sharing hash slices with the clip;
2. `pairs`: frame pairs within ``match_distance`` bits, by the forms' pairings;
3. `offsets`: the time offset the pairs agree on, refined per run of frames;
4. `segments`: runs of aligned frames as segments, grown and de-duplicated;
5. `edges`: each segment's edges, between matched and unmatched known frames;
6. `score`: each candidate's best alignment (as is or mirrored) and its score;
7. `cuts`: where a compilation hands over from one known video to the next;

and, for a candidate the clip's own forms cover poorly, `panels`: the part
of the clip's frame that shows it (an inset over moving video, a half of a
split screen; their hashes are looked up with the clip's own), then
`reframe`: the framing an off-centre crop shows; the clip is aligned again
through either. Every stage can be switched off or tuned through
`MatchConfig`. When the bank holds sound, the clip's sound is fingerprinted
beside all this and matched on its own, then read beside the picture's
matches (`sound`).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
from typing import TYPE_CHECKING

import numpy as np

from verify.audio.landmarks import AudioFingerprint, fingerprint_audio
from verify.bank.store import BankStore, KnownVideo, slice_keys
from verify.config import AUDIO, HASH, INSPECT, MATCH, AudioConfig, HashConfig, MatchConfig
from verify.errors import NoSound, NoVideo, UnreadableMedia
from verify.hashing.fingerprint import VideoFingerprint, sound_only_fingerprint
from verify.hashing.forms import Form, FrameTable
from verify.inspection.metadata import parse_streams
from verify.matching.candidates import find_candidates, lookup_hashes
from verify.matching.cuts import meet_at_cuts
from verify.matching.panels import PanelSearch
from verify.matching.reframe import Framing, Reframer
from verify.matching.results import Match, MatchReport
from verify.matching.score import best_match, could_match, is_firm
from verify.matching.sound import (
    SoundReport,
    SoundState,
    find_sound,
    relate,
    unheard_sound,
)
from verify.media.ffmpeg import ffprobe_json
from verify.media.filehash import sha256_file
from verify.media.sampling import Sampling
from verify.pools import shared_pool

if TYPE_CHECKING:  # annotations only: hashing and matching load no inspection code
    from verify.inspection.inspect import Inspection


def match_file(
    path: str | os.PathLike[str] | bytes,
    bank: BankStore,
    config: MatchConfig = MATCH,
    *,
    sampling: Sampling | str | None = None,
    timeout: float = INSPECT.probe_timeout_s,
    known_digest: tuple[str, int] | None = None,
    probed: Inspection | None = None,
    hash_config: HashConfig = HASH,
    audio_config: AudioConfig = AUDIO,
) -> MatchReport:
    """Every known video in ``bank`` that the file at ``path`` copies, best first, and
    whose sound it plays. A sound file (no video stream) is matched by its sound alone.

    The file is sampled at ``sampling`` (default ``config.query_sampling``);
    ``known_digest`` and ``probed`` spare re-reading what the caller has
    already read (see `verify.hashing.fingerprint.fingerprint_video`). The
    report's ``query`` is the file's fingerprint.
    """
    # The sound decodes in its own ffmpeg process and is fingerprinted on a thread
    # (numpy's FFT releases the interpreter) while the picture is matched.
    sound = (
        _beside().submit(_clip_sound, path, timeout, audio_config, probed)
        if bank.has_audio()
        else None
    )
    signals = None
    if bank.list_count():
        # The bank holds shared lists: the file's own PDQ/vPDQ too (a second decode,
        # at full size, which banks without lists never pay), beside the matching.
        from verify.lists.signals import file_signals

        signals = _beside().submit(file_signals, path, timeout=timeout)
    try:
        reframer = Reframer(
            path, config.query_sampling if sampling is None else sampling, timeout=timeout,
            known_digest=known_digest, probed=probed, config=config, hash_config=hash_config,
        )  # fmt: skip
        try:
            report = match_fingerprint(reframer.fingerprint(), bank, config, reframer=reframer)
        except NoVideo:
            report = _sound_file(path, bank, sound, known_digest, probed)
            pictured = False
        else:
            pictured = True
    finally:
        # Never left decoding the file.
        concurrent.futures.wait([job for job in (signals, sound) if job is not None])
    heard = (
        _sound_report(bank, *sound.result(), report.matches, audio_config, pictured)
        if sound is not None
        else SoundReport(SoundState.BANK_HAS_NONE)
    )
    clip_sound = sound.result()[0] if sound is not None else None
    report = dataclasses.replace(report, sound=heard, clip_sound=clip_sound)
    if signals is None:
        return report
    from verify.lists.matching import match_lists

    return dataclasses.replace(report, list_matches=match_lists(bank, signals.result()))


def _beside() -> concurrent.futures.ThreadPoolExecutor:
    """The threads that hash a file's sound, and its PDQ for the shared lists, while its
    picture is matched (ffmpeg decodes in its own processes; numpy releases the
    interpreter while it filters and transforms)."""
    return shared_pool("beside-match")


def _sound_file(
    path: str | os.PathLike[str] | bytes,
    bank: BankStore,
    sound: concurrent.futures.Future | None,
    known_digest: tuple[str, int] | None,
    probed: Inspection | None,
) -> MatchReport:
    """The picture-less part of a report for a file without a video stream that has sound
    (the sound is matched as for any clip); `NoVideo` again for one without sound."""
    heard = sound.result() if sound is not None else None
    if heard is not None and heard[1] is SoundState.NO_SOUND:
        raise NoVideo("no video stream and no sound to compare", path)
    if known_digest is None:
        known_digest = sha256_file(path)
    duration = None
    if probed is not None and probed.container is not None:
        duration = probed.container.duration
    elif heard is not None and heard[0] is not None:
        duration = heard[0].duration
    query = sound_only_fingerprint(path, *known_digest, duration)
    return MatchReport(query, bank.location, (), 0)


def _clip_sound(
    path: str | os.PathLike[str] | bytes,
    timeout: float,
    config: AudioConfig,
    probed: Inspection | None = None,
) -> tuple[AudioFingerprint | None, SoundState | None, str | None]:
    """The clip's sound as landmarks, or why there are none: (landmarks, state, detail).

    A clip whose streams (``probed``, else the probe the picture's hashing
    shares) hold no audio is not handed to ffmpeg for its sound.
    """
    try:
        if not _has_audio_stream(path, timeout, probed):
            return None, SoundState.NO_SOUND, None
        clip = fingerprint_audio(path, timeout=timeout, config=config)
    except NoSound:
        return None, SoundState.NO_SOUND, None
    except UnreadableMedia as exc:
        return None, SoundState.UNREADABLE, exc.message
    return (clip, None, None) if clip.count else (None, SoundState.NO_SOUND, None)


def _has_audio_stream(
    path: str | os.PathLike[str] | bytes, timeout: float, probed: Inspection | None
) -> bool:
    """Whether the file lists an audio stream (ffprobe's run shared with the picture's)."""
    if probed is not None and probed.container is not None:
        streams = probed.streams
    else:
        streams = parse_streams(ffprobe_json(path, timeout=timeout))
    return any(stream.kind == "audio" for stream in streams)


def _sound_report(
    bank: BankStore,
    clip: AudioFingerprint | None,
    state: SoundState | None,
    detail: str | None,
    matches: tuple[Match, ...],
    config: AudioConfig,
    pictured: bool,
) -> SoundReport:
    """The clip's sound matched on its own and read beside the picture's ``matches``."""
    if clip is None:
        return SoundReport(state or SoundState.NO_SOUND, detail=detail)
    found = find_sound(bank, clip, config)
    videos = {video_id: bank.video_by_id(video_id) for video_id, _match in found}
    related = relate([(videos[v], m) for v, m in found], matches, config, clip_has_picture=pictured)
    heard = {m.video.id for m in related}
    # The stored sound of the pictures' known videos, to tell a swapped sound.
    stored = bank.known_audio(m.video.id for m in matches if m.video.id not in heard)
    unheard = unheard_sound(clip, matches, stored, heard, config)
    return SoundReport(
        SoundState.MATCHED if related else SoundState.NO_MATCH,
        tuple(related),
        tuple(unheard),
        landmarks=clip.count,
    )


def _in_panel(
    clip: FrameTable, known: FrameTable, video: KnownVideo, duration: float,
    panels: PanelSearch, config: MatchConfig,
) -> Match | None:  # fmt: skip
    """The clip aligned with a known video through the panel that shows it, if one does:
    the known picture whole in it or, when that matches nothing firmly, zoomed to fill
    it (`PanelSearch.choose_filled`), the better kept."""
    targets = np.concatenate([known.forms[f][known.usable] for f in (Form.PHASH, Form.CENTRE85)])
    choice = panels.choose(targets)
    match = None
    if choice is not None:
        hashes = panels.hashes(choice, clip.forms[Form.PHASH])
        match = _panel_match(clip.with_form(Form.PANEL, hashes), known, video, duration, config)
        match = match and dataclasses.replace(match, region=choice.region)
    firm = match is not None and is_firm(match, duration, config)
    if firm or not (video.width and video.height):
        return match
    centre = known.forms[Form.CENTRE70][known.usable]
    filled = panels.choose_filled(centre, video.width / video.height)
    if filled is None or filled.shows is None:
        return match
    hashes = panels.hashes(filled, clip.forms[Form.CENTRE70])
    through = _panel_match(
        clip.with_form(Form.WINDOW, hashes), known, video, duration, config,
        framing=Framing(*filled.shows), limit=config.panel_fill_max_mean_distance,
    )  # fmt: skip
    return _better(match, through and dataclasses.replace(through, region=filled.region))


def _panel_match(
    clip: FrameTable, known: FrameTable, video: KnownVideo, duration: float,
    config: MatchConfig, framing: Framing | None = None, limit: float | None = None,
) -> Match | None:  # fmt: skip
    """`best_match` through a panel's form (unmirrored), if its frames are close enough:
    many panels, tried on many known frames, meet some by chance, so a panel's match
    must be close, as real ones are (within 5 bits on the bench): within ``limit``
    bits on average (default ``panel_max_mean_distance``)."""
    match = best_match(
        clip, known, video, duration, mirrored=(False,), framing=framing, config=config
    )
    limit = config.panel_max_mean_distance if limit is None else limit
    if match is None or _mean_bits(match) > limit:
        return None
    return match


def _aligned(
    clip: FrameTable, known: dict[int, tuple[KnownVideo, FrameTable]], duration: float,
    config: MatchConfig,
) -> dict[int, Match | None]:  # fmt: skip
    """The clip's `best_match` with each known video (None: none, or too few close pairs
    for a segment, checked for all at once by `could_match`)."""
    ids = list(known)
    hopeful = could_match(clip, [known[v][1] for v in ids], config)
    return {
        v: best_match(clip, known[v][1], known[v][0], duration, config=config) if worth else None
        for v, worth in zip(ids, hopeful.tolist(), strict=True)
    }


def _through_band(
    clip: FrameTable, reframer: Reframer, bank: BankStore, duration: float,
    held: dict[int, tuple[KnownVideo, FrameTable, Match | None]], config: MatchConfig,
) -> dict[int, Match]:  # fmt: skip
    """The matches of the clip with the band across its pictures filled in, if it has one
    (`verify.matching.bands`): looked up and aligned as the clip itself is (the known
    videos ``held`` already are not fetched again)."""
    banded = reframer.through_band(clip)
    if banded is None:
        return {}
    band, table = banded
    candidates = find_candidates(bank, lookup_hashes(table, None, config), config)
    fetched = bank.known_videos(v for v, _votes in candidates if v not in held)
    fetched.update({v: (video, known) for v, (video, known, _match) in held.items()})
    known = {v: fetched[v] for v, _votes in candidates if v in fetched and fetched[v][1].size}
    return {
        video_id: dataclasses.replace(match, masked=band.to_dict())
        for video_id, match in _aligned(table, known, duration, config).items()
        if match is not None
    }


def _mean_bits(match: Match) -> float:
    """How many bits apart a match's frames are on average."""
    segments = match.segments
    weights = [s.frames for s in segments]
    return float(np.average([s.mean_distance for s in segments], weights=weights))


def _plain_copy(
    plain: dict[int, tuple[KnownVideo, FrameTable, Match | None]], duration: float,
    config: MatchConfig,
) -> bool:  # fmt: skip
    """Whether some candidate matches the whole clip firmly, its frames within
    ``panel_skip_distance`` bits: a re-encode, not a picture made of several."""
    return any(
        match is not None
        and is_firm(match, duration, config)
        and _mean_bits(match) <= config.panel_skip_distance
        for _video, _known, match in plain.values()
    )


def drop_nested(matches: list[Match], config: MatchConfig = MATCH) -> list[Match]:
    """Matches less the chance meetings inside a better match's picture.

    A pixel of the clip shows one video. A match through a panel that lies
    mostly (over half its area) inside a better one's panel over mostly the
    same seconds is a chance meeting (dark or plain footage meets dark frames
    a few bits apart), unless it meets the clip about as closely and as fully
    (`MatchConfig.overlap_min_extra_bits`, `MatchConfig.overlap_max_score_share`)
    through a panel at least half the size: a second copy of that video in the
    bank. A match through the whole frame,
    or a framing of it, over mostly the seconds of a better match, its frames
    over `MatchConfig.overlap_max_mean_distance` bits apart, is a chance
    meeting when the better match is through a panel (the frame is a picture
    made of several) or when it is far from the better one on both other
    counts; a second copy meets the whole frame about as closely, or as
    fully, and stays. A match through a panel over mostly the seconds of a
    better match through the whole frame whose frames are a plain copy's
    (within `MatchConfig.panel_skip_distance` bits) is a chance meeting too.
    """
    kept: list[Match] = []
    for match in sorted(matches, key=lambda m: m.score, reverse=True):
        if not any(_contradicts(match, other, config) for other in kept):
            kept.append(match)
    return kept


def _contradicts(match: Match, better: Match, config: MatchConfig) -> bool:
    """Whether ``better`` shows that ``match`` is a chance meeting (see `drop_nested`)."""
    if _shared_seconds(match, better) <= 0.5 * match.coverage:
        return False
    bits = _mean_bits(match)
    if match.region is not None and better.region is None:
        # Over those seconds the whole frame is a plain copy of the better match's
        # video (its frames within panel_skip_distance bits: an inset would move
        # them further), so no panel of it shows another: a still scene meets a
        # crop of other seconds of itself there.
        return _mean_bits(better) <= config.panel_skip_distance
    further = bits >= _mean_bits(better) + config.overlap_min_extra_bits
    weaker = match.score < config.overlap_max_score_share * better.score
    if match.region is None:
        if bits <= config.overlap_max_mean_distance:
            return False
        # Beside a panel, the frame is a picture made of several: the whole of it
        # is not a copy of that panel's video, nor of another known video.
        return better.region is not None or (further and weaker)
    # A second copy of the better match's video, shown in the same panel, meets
    # it about as closely and as fully: it stays. A panel under half the size of
    # the better one is a window into its picture, not the same panel: still
    # footage, whose frames are alike whatever the second, meets a crop of other
    # seconds of it there as closely.
    nested = better.region is not None and _overlap(match.region, better.region) > 0.5
    smaller = _area(match.region) < 0.5 * _area(better.region) if nested else False
    return nested and (further or weaker or smaller)


def _area(region: dict[str, float]) -> float:
    return region["width"] * region["height"]


def _overlap(inner: dict[str, float], outer: dict[str, float]) -> float:
    """The share of ``inner``'s area that lies inside ``outer``."""

    def along(start: str, size: str) -> float:
        low = max(inner[start], outer[start])
        high = min(inner[start] + inner[size], outer[start] + outer[size])
        return max(0.0, high - low)

    area = _area(inner)
    return along("x", "width") * along("y", "height") / area if area > 0 else 0.0


def _shared_seconds(a: Match, b: Match) -> float:
    """Clip seconds covered by segments of both matches."""
    return sum(
        max(0.0, min(s.query_end, t.query_end) - max(s.query_start, t.query_start))
        for s in a.segments
        for t in b.segments
    )


def _better(a: Match | None, b: Match | None) -> Match | None:
    if a is None or (b is not None and b.score > a.score):
        return b
    return a


def match_fingerprint(
    query: VideoFingerprint,
    bank: BankStore,
    config: MatchConfig = MATCH,
    *,
    reframer: Reframer | None = None,
) -> MatchReport:
    """The stages of `match_file` on a clip already fingerprinted.

    Without a ``reframer`` (the clip's pictures) off-centre crops cannot be
    searched for; the report then says which candidates went without the
    search (``unframed``) and whether the pictures' keys were missing from
    the lookups (``unprobed``), so that a caller holding only fingerprints
    knows when `match_file` could find more.
    """
    clip = query.table()
    reframing = reframer if config.reframe_stage else None
    extra = reframing.probe_hashes if reframing is not None else None
    probes = lookup_hashes(clip, extra, config)
    duration = query.duration or (float(clip.time.max()) if clip.size else 0.0)
    # Each candidate's known frames and its plain match (None: none).
    plain: dict[int, tuple[KnownVideo, FrameTable, Match | None]] = {}

    def compare(candidates: list[tuple[int, int]]) -> None:
        fetched = bank.known_videos(v for v, _votes in candidates if v not in plain)
        new = {v: fetched[v] for v, _votes in candidates if v in fetched and fetched[v][1].size}
        for video_id, match in _aligned(clip, new, duration, config).items():
            plain[video_id] = (*new[video_id], match)

    compare(find_candidates(bank, probes, config))
    # Footage shown in a panel of the clip's frame shares no keys with its whole
    # frame: the panels' own hashes are looked up too, unless the clip is a
    # plain copy already (a firm match within panel_skip_distance bits).
    panels = None
    if reframer is not None and config.panel_stage and not _plain_copy(plain, duration, config):
        panels = reframer.panels(query)
        panel_probes = panels.probe_hashes()
        if panel_probes:  # without panel hashes the lookup would find the same candidates
            compare(find_candidates(bank, probes + panel_probes, config))
    found: dict[int, Match] = {}
    searched: list[tuple[KnownVideo, FrameTable, Framing]] = []
    # Still footage gives few keys of its own: its pictures, through a grid of
    # framings, would have been looked up too (see `lookup_hashes`).
    few_keys = len(slice_keys(probes)) < config.reframe_probe_below_keys
    unprobed = config.reframe_stage and reframing is None and few_keys
    unframed: list[str] = []
    for video_id, (video, known, match) in plain.items():
        # A firm match whose frames are further apart than a plain copy's may be
        # a picture made of several (an inset the whole-frame forms half see):
        # its panel is tried too, and the better kept.
        firm = match is not None and is_firm(match, duration, config)
        if firm and (panels is None or _mean_bits(match) <= config.panel_skip_distance):
            found[video_id] = match
            continue
        if panels is not None:
            match = _better(match, _in_panel(clip, known, video, duration, panels, config))
        if match is not None:
            found[video_id] = match
        # A firm match needs no framing search (nor does the panel that beat it).
        if (
            not config.reframe_stage
            or firm
            or (match is not None and is_firm(match, duration, config))
        ):
            continue
        if reframing is None:
            unframed.append(video.sha256)
            continue
        framing = reframing.find_framing(known.forms[Form.CENTRE70][known.usable])
        if framing is not None:
            searched.append((video, known, framing))
    windows = reframing.window_hashes([f for *_, f in searched]) if searched and reframing else []
    for (video, known, framing), hashes in zip(searched, windows, strict=True):
        match = best_match(
            clip.with_form(Form.WINDOW, hashes), known, video, duration, mirrored=(False,),
            framing=framing, config=config,
        )  # fmt: skip
        previous = found.get(video.id)
        if match is not None and (previous is None or match.score > previous.score):
            found[video.id] = match
    if not found and reframer is not None and config.band_stage:
        found = _through_band(clip, reframer, bank, duration, plain, config)
    matches = drop_nested(list(found.values()), config)
    if config.cuts_stage:
        matches = meet_at_cuts(matches, clip, config)
    matches.sort(key=lambda m: m.score, reverse=True)
    return MatchReport(query, bank.location, tuple(matches), len(plain), tuple(unframed), unprobed)
