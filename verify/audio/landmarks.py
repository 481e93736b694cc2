"""Audio fingerprints from spectral-peak landmarks, and their alignment.

The sound at 8 kHz mono is cut into overlapping windows; the loudest points
of the spectrogram, each louder than everything near it in time and
frequency, survive re-encoding, resampling, volume changes and a second
sound mixed in below them. Pairs of such peaks (an anchor and a few peaks
just after it) make landmarks: the two frequencies and the time between
them, packed into one integer, at the anchor's time. Two recordings of the
same sound share many landmarks at one time offset; unrelated sounds share
few, at scattered offsets (the method of published audio-identification
work: Wang, "An industrial-strength audio search algorithm", 2003).
"""

from __future__ import annotations

import dataclasses
import math
import os

import numpy as np

from verify import numeric
from verify.config import AUDIO, INSPECT, AudioConfig
from verify.media.audio import decode_audio


@dataclasses.dataclass(frozen=True)
class AudioFingerprint:
    """A recording's landmarks: hash and anchor time (in windows) of each."""

    hashes: np.ndarray  # uint32
    times: np.ndarray  # int32 window index of the anchor peak
    window_s: float  # seconds per window step
    duration: float  # seconds of sound

    @property
    def count(self) -> int:
        return int(self.hashes.size)

    def posted(self, config: AudioConfig = AUDIO) -> list[int]:
        """The distinct hashes a bank posts for lookups (see ``AudioConfig.posting_modulus``)."""
        distinct = numeric.distinct(self.hashes)
        return distinct[distinct % config.posting_modulus == 0].tolist()

    def pack(self) -> bytes:
        """The landmarks as the bank stores them (`LANDMARK_DTYPE` rows)."""
        rows = np.zeros(self.count, LANDMARK_DTYPE)
        rows["hash"], rows["time"] = self.hashes, self.times
        return rows.tobytes()

    @classmethod
    def unpack(cls, blob: bytes, window_s: float, duration: float) -> AudioFingerprint:
        """Landmarks packed by `pack`; ValueError for bytes that cannot be them."""
        if len(blob) % LANDMARK_DTYPE.itemsize:
            raise ValueError("its landmark data has the wrong length")
        if not (math.isfinite(window_s) and window_s > 0 and math.isfinite(duration)):
            raise ValueError("its sound's step or length is not a number of seconds")
        rows = np.frombuffer(blob, LANDMARK_DTYPE)
        if rows.size and (rows["time"].min() < 0 or rows["hash"].max() >= 1 << 26):
            raise ValueError("its landmarks are out of range")
        return cls(rows["hash"].copy(), rows["time"].copy(), float(window_s), float(duration))


# A stored landmark: its 26-bit hash and its anchor's window index.
LANDMARK_DTYPE = np.dtype([("hash", "<u4"), ("time", "<i4")])


@dataclasses.dataclass(frozen=True)
class AudioSegment:
    """Seconds of the query that play seconds of the known recording."""

    query_start: float
    query_end: float
    known_start: float
    known_end: float
    landmarks: int

    def to_dict(self) -> dict[str, object]:
        return {
            "query_start": round(self.query_start, 3),
            "query_end": round(self.query_end, 3),
            "known_start": round(self.known_start, 3),
            "known_end": round(self.known_end, 3),
            "landmarks": self.landmarks,
        }


@dataclasses.dataclass(frozen=True)
class AudioMatch:
    """The query's sound found in a known recording: the offset and where."""

    offset: float  # known seconds minus query seconds
    votes: int  # landmarks agreeing on the offset
    score: float  # votes over the largest vote at any other offset (chance level)
    segments: tuple[AudioSegment, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "offset": round(self.offset, 3),
            "votes": self.votes,
            "score": round(self.score, 2),
            "segments": [s.to_dict() for s in self.segments],
        }


def spectrogram(samples: np.ndarray, config: AudioConfig = AUDIO) -> np.ndarray:
    """Log magnitudes, (windows, bins), of Hann windows ``config.hop`` apart."""
    size, hop = config.window, config.hop
    if samples.size < size:
        return np.zeros((0, size // 2 + 1), np.float32)
    count = 1 + (samples.size - size) // hop
    frames = np.lib.stride_tricks.as_strided(
        samples, shape=(count, size), strides=(samples.strides[0] * hop, samples.strides[0])
    )
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(size).astype(np.float32), axis=1))
    return np.log(spectrum + 1e-6).astype(np.float32)


def _neighbourhood_max(values: np.ndarray, reach_t: int, reach_f: int) -> np.ndarray:
    """Each cell's largest neighbour within ``reach_t`` windows and ``reach_f`` bins."""
    out = values.copy()
    for axis, reach in ((1, reach_f), (0, reach_t)):
        padded = np.pad(out, [(reach, reach) if a == axis else (0, 0) for a in (0, 1)],
                        constant_values=-np.inf)  # fmt: skip
        size = out.shape[axis]
        out = np.max(
            [np.take(padded, range(k, k + size), axis=axis) for k in range(2 * reach + 1)], axis=0
        )
    return out


def peaks(log_spectrum: np.ndarray, config: AudioConfig = AUDIO) -> tuple[np.ndarray, np.ndarray]:
    """(window, bin) of the spectrogram's local peaks, the strongest
    ``peaks_per_second`` a second, in time order."""
    if log_spectrum.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    band = log_spectrum[:, config.min_bin : config.max_bin]
    top = _neighbourhood_max(band, config.peak_reach_windows, config.peak_reach_bins)
    # A peak stands above its own window's typical level (not silence, not hiss).
    floor = numeric.median(band, axis=1)[:, None] + config.peak_min_db
    is_peak = (band == top) & (band > floor)
    t, f = np.nonzero(is_peak)
    strength = band[t, f]
    per_slot = max(1, round(config.peaks_per_second * config.slot_seconds))
    slot = (t * config.hop / config.rate / config.slot_seconds).astype(np.int64)
    order = np.lexsort((-strength, slot))
    t, f, slot = t[order], f[order], slot[order]
    first = np.r_[0, np.flatnonzero(np.diff(slot)) + 1]
    rank = np.arange(slot.size) - np.repeat(first, np.diff(np.r_[first, slot.size]))
    keep = rank < per_slot
    t, f = t[keep], f[keep] + config.min_bin
    order = np.lexsort((f, t))
    return t[order], f[order]


def fingerprint_samples(samples: np.ndarray, config: AudioConfig = AUDIO) -> AudioFingerprint:
    """The landmarks of mono samples at ``config.rate``."""
    samples = np.ascontiguousarray(samples, np.float32)
    t, f = peaks(spectrogram(samples, config), config)
    hashes, times = [], []
    for step in range(1, config.fan_out + 1):  # each anchor with the next few peaks in its zone
        if t.size <= step:
            break
        t1, f1, t2, f2 = t[:-step], f[:-step], t[step:], f[step:]
        dt = t2 - t1
        ok = (dt >= 1) & (dt <= config.max_pair_windows) & (np.abs(f2 - f1) <= config.max_pair_bins)
        hashes.append((f1[ok] << 16) | (f2[ok] << 6) | dt[ok])  # 10 + 10 + 6 bits
        times.append(t1[ok])
    hashes_all = np.concatenate(hashes).astype(np.uint32) if hashes else np.zeros(0, np.uint32)
    times_all = np.concatenate(times).astype(np.int32) if times else np.zeros(0, np.int32)
    return AudioFingerprint(
        hashes_all, times_all, config.hop / config.rate, samples.size / config.rate
    )


def align(
    query: AudioFingerprint, known: AudioFingerprint, config: AudioConfig = AUDIO
) -> AudioMatch | None:
    """The offset at which ``query``'s landmarks meet ``known``'s, and the seconds
    that agree; None when no offset stands out from chance."""
    if query.count == 0 or known.count == 0:
        return None
    order = np.argsort(known.hashes, kind="stable")
    sorted_hashes = known.hashes[order]
    low = np.searchsorted(sorted_hashes, query.hashes, side="left")
    high = np.searchsorted(sorted_hashes, query.hashes, side="right")
    counts = high - low
    if counts.sum() == 0:
        return None
    q_index = np.repeat(np.arange(query.count), counts)
    starts = np.repeat(low, counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    k_index = order[starts + within]
    q_time, k_time = query.times[q_index], known.times[k_index]
    offsets = k_time.astype(np.int64) - q_time
    shifted = offsets - offsets.min()
    votes = np.bincount(shifted)
    # A neighbour's votes join (the windows of two encodings may fall between).
    smoothed = votes + np.r_[votes[1:], 0] + np.r_[0, votes[:-1]]
    best = int(np.argmax(smoothed))
    peak = int(smoothed[best])
    away = np.abs(np.arange(smoothed.size) - best) > 2
    chance = int(smoothed[away].max()) if away.any() else 0
    score = peak / max(chance, 1)
    if peak < config.min_votes or score < config.min_score:
        return None
    on = np.abs(shifted - best) <= 1
    segments = _segments(np.sort(q_time[on]), int(best + offsets.min()), query, config)
    if not segments:
        return None
    return AudioMatch((best + offsets.min()) * query.window_s, peak, score, tuple(segments))


def _segments(
    times: np.ndarray, offset: int, query: AudioFingerprint, config: AudioConfig
) -> list[AudioSegment]:
    """Runs of agreeing landmarks (gaps under ``max_gap_s``), as segments."""
    step = query.window_s
    gap = max(1, round(config.max_gap_s / step))
    breaks = np.flatnonzero(np.diff(times) > gap)
    found = []
    for run in np.split(times, breaks + 1):
        if run.size < config.min_segment_votes:
            continue
        start, end = float(run[0]) * step, float(run[-1]) * step + config.window / config.rate
        end = min(end, query.duration)
        # A landmark's time is known to a window: an offset a window before the
        # recording's start is its start.
        known_start = max(0.0, start + offset * step)
        found.append(AudioSegment(start, end, known_start, end + offset * step, int(run.size)))
    return found


def fingerprint_audio(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: AudioConfig = AUDIO,
) -> AudioFingerprint:
    """The landmarks of a file's first audio stream (video or audio file)."""
    return fingerprint_samples(decode_audio(path, config.rate, timeout=timeout), config)
