"""verify: establish what a video is and where it came from, offline.

The public API, for scripts and benches (the command line is `verify.cli`)::

    from verify import inspect_file, fingerprint_video, open_bank, match_file

    with open_bank("bank.sqlite") as bank:
        index_file(bank, "original.mp4", source="channel A")
        report = match_file("repost.mp4", bank)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from verify.version import __version__

# Each public name and the module that defines it ("module:name" where the
# public name differs). Names are imported on first use, so that ``import
# verify`` (and the command line's start-up) does not load numpy, OpenCV and
# the rest before a command needs them.
_EXPORTS = {
    "AudioFingerprint": "verify.audio.landmarks",
    "AudioMatch": "verify.audio.landmarks",
    "align_audio": "verify.audio.landmarks:align",
    "fingerprint_audio": "verify.audio.landmarks",
    "fingerprint_samples": "verify.audio.landmarks",
    "AddResult": "verify.bank",
    "BankStore": "verify.bank",
    "KnownVideo": "verify.bank",
    "default_bank_path": "verify.bank",
    "open_bank": "verify.bank",
    "index_file": "verify.bank.indexing",
    "metadata_summary": "verify.bank.indexing",
    "slice_keys": "verify.bank.store",
    "BatchSummary": "verify.batch.run",
    "run_batch": "verify.batch.run",
    "AUDIO": "verify.config",
    "AudioConfig": "verify.config",
    "BATCH": "verify.config",
    "HASH": "verify.config",
    "INSPECT": "verify.config",
    "MATCH": "verify.config",
    "BatchConfig": "verify.config",
    "HashConfig": "verify.config",
    "InspectConfig": "verify.config",
    "MatchConfig": "verify.config",
    "TIMELINE": "verify.config",
    "TimelineConfig": "verify.config",
    "BankError": "verify.errors",
    "ExitCode": "verify.errors",
    "InputError": "verify.errors",
    "OutputError": "verify.errors",
    "ProbeTimeout": "verify.errors",
    "ToolMissing": "verify.errors",
    "UnreadableMedia": "verify.errors",
    "VerifyError": "verify.errors",
    "Indicator": "verify.forensics.indicators",
    "Timeline": "verify.forensics.timeline",
    "analyse_file": "verify.forensics.timeline",
    "HashedFrame": "verify.hashing.fingerprint",
    "VideoFingerprint": "verify.hashing.fingerprint",
    "fingerprint_video": "verify.hashing.fingerprint",
    "thin_to_rate": "verify.hashing.fingerprint",
    "INDEXED_FORMS": "verify.hashing.forms",
    "STORED_FORMS": "verify.hashing.forms",
    "Form": "verify.hashing.forms",
    "FrameForms": "verify.hashing.forms",
    "FrameTable": "verify.hashing.forms",
    "frame_forms": "verify.hashing.forms",
    "FrameHash": "verify.hashing.phash",
    "Inspection": "verify.inspection.inspect",
    "inspect_file": "verify.inspection.inspect",
    "find_candidates": "verify.matching.candidates",
    "lookup_hashes": "verify.matching.candidates",
    "probe_hashes": "verify.matching.candidates",
    "match_file": "verify.matching.match",
    "match_fingerprint": "verify.matching.match",
    "Framing": "verify.matching.reframe",
    "Reframer": "verify.matching.reframe",
    "Match": "verify.matching.results",
    "MatchReport": "verify.matching.results",
    "Segment": "verify.matching.segments",
    "Sampling": "verify.media.sampling",
    "decoder_command": "verify.media.decode:build_command",
    "find_tool": "verify.media.ffmpeg",
    "decode_audio": "verify.media.audio",
}


def __getattr__(name: str) -> Any:
    try:
        target = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'verify' has no attribute {name!r}") from None
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from verify.audio.landmarks import (
        AudioFingerprint,
        AudioMatch,
        fingerprint_audio,
        fingerprint_samples,
    )
    from verify.audio.landmarks import align as align_audio
    from verify.bank import AddResult, BankStore, KnownVideo, default_bank_path, open_bank
    from verify.bank.indexing import index_file, metadata_summary
    from verify.bank.store import slice_keys
    from verify.batch.run import BatchSummary, run_batch
    from verify.config import (
        AUDIO,
        BATCH,
        HASH,
        INSPECT,
        MATCH,
        TIMELINE,
        AudioConfig,
        BatchConfig,
        HashConfig,
        InspectConfig,
        MatchConfig,
        TimelineConfig,
    )
    from verify.errors import (
        BankError,
        ExitCode,
        InputError,
        OutputError,
        ProbeTimeout,
        ToolMissing,
        UnreadableMedia,
        VerifyError,
    )
    from verify.forensics.indicators import Indicator
    from verify.forensics.timeline import Timeline, analyse_file
    from verify.hashing.fingerprint import (
        HashedFrame,
        VideoFingerprint,
        fingerprint_video,
        thin_to_rate,
    )
    from verify.hashing.forms import (
        INDEXED_FORMS,
        STORED_FORMS,
        Form,
        FrameForms,
        FrameTable,
        frame_forms,
    )
    from verify.hashing.phash import FrameHash
    from verify.inspection.inspect import Inspection, inspect_file
    from verify.matching.candidates import find_candidates, lookup_hashes, probe_hashes
    from verify.matching.match import match_file, match_fingerprint
    from verify.matching.reframe import Framing, Reframer
    from verify.matching.results import Match, MatchReport
    from verify.matching.segments import Segment
    from verify.media.audio import decode_audio
    from verify.media.decode import build_command as decoder_command
    from verify.media.ffmpeg import find_tool
    from verify.media.sampling import Sampling
    from verify.version import __version__

__all__ = [
    "AUDIO",
    "BATCH",
    "HASH",
    "INDEXED_FORMS",
    "INSPECT",
    "MATCH",
    "STORED_FORMS",
    "TIMELINE",
    "AddResult",
    "AudioConfig",
    "AudioFingerprint",
    "AudioMatch",
    "BankError",
    "BankStore",
    "BatchConfig",
    "BatchSummary",
    "ExitCode",
    "Form",
    "FrameForms",
    "FrameHash",
    "FrameTable",
    "Framing",
    "HashConfig",
    "HashedFrame",
    "Indicator",
    "InputError",
    "InspectConfig",
    "Inspection",
    "KnownVideo",
    "Match",
    "MatchConfig",
    "MatchReport",
    "OutputError",
    "ProbeTimeout",
    "Reframer",
    "Sampling",
    "Segment",
    "Timeline",
    "TimelineConfig",
    "ToolMissing",
    "UnreadableMedia",
    "VerifyError",
    "VideoFingerprint",
    "__version__",
    "align_audio",
    "analyse_file",
    "decode_audio",
    "decoder_command",
    "default_bank_path",
    "find_candidates",
    "find_tool",
    "fingerprint_audio",
    "fingerprint_samples",
    "fingerprint_video",
    "frame_forms",
    "index_file",
    "inspect_file",
    "lookup_hashes",
    "match_file",
    "match_fingerprint",
    "metadata_summary",
    "open_bank",
    "probe_hashes",
    "run_batch",
    "slice_keys",
    "thin_to_rate",
]  # fmt: skip
