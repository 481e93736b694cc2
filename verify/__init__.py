"""verify: establish what a video is and where it came from, offline.

The public API, for scripts and benches (the command line is `verify.cli`)::

    from verify import inspect_file, fingerprint_video, open_bank, match_file

    with open_bank("bank.sqlite") as bank:
        index_file(bank, "original.mp4", source="channel A")
        report = match_file("repost.mp4", bank)
"""

from verify.bank import AddResult, BankStore, KnownVideo, default_bank_path, open_bank
from verify.bank.indexing import index_file, metadata_summary
from verify.bank.store import slice_keys
from verify.batch.run import BatchSummary, run_batch
from verify.config import (
    BATCH,
    HASH,
    INSPECT,
    MATCH,
    BatchConfig,
    HashConfig,
    InspectConfig,
    MatchConfig,
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
from verify.matching.candidates import lookup_hashes, probe_hashes
from verify.matching.match import match_file, match_fingerprint
from verify.matching.reframe import Framing, Reframer
from verify.matching.results import Match, MatchReport
from verify.matching.segments import Segment
from verify.media.decode import Sampling
from verify.media.decode import build_command as decoder_command
from verify.media.ffmpeg import find_tool
from verify.version import __version__

__all__ = [
    "BATCH",
    "HASH",
    "INDEXED_FORMS",
    "INSPECT",
    "MATCH",
    "STORED_FORMS",
    "AddResult",
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
    "ToolMissing",
    "UnreadableMedia",
    "VerifyError",
    "VideoFingerprint",
    "__version__",
    "decoder_command",
    "default_bank_path",
    "find_tool",
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
