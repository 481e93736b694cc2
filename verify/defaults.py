"""Every tunable default of `verify`, stated once with its reason."""

from __future__ import annotations

# Seconds one ffprobe/ffmpeg run may take on a file before we give up on it.
# Probing reads headers only and takes well under a second on healthy files,
# even multi-gigabyte ones; a minute leaves room for slow network disks while
# still unsticking a batch from a file that makes ffprobe hang.
PROBE_TIMEOUT_S = 60.0

# Read size for streaming hashes: large enough that Python overhead is
# negligible next to SHA-256 itself, small enough that memory stays flat.
HASH_CHUNK_BYTES = 1 << 20

# How far into a file we look for encoder signatures (x264/x265 SEI text).
# Encoders write them in the first coded frame, which sits near the start of
# the media data; 4 MiB covers files with a large index placed up front.
SIGNATURE_SCAN_BYTES = 4 << 20

# A creation time this much later than the file's mtime is flagged. A zone
# written as UTC by mistake is at most 14 hours off, so a day is safe.
CREATION_AFTER_MTIME_TOLERANCE_S = 24 * 3600

# Audio and video durations that differ by more than this are flagged: players
# tolerate small gaps, edits that drop or add one track produce larger ones.
AV_DURATION_TOLERANCE_S = 1.0

# Two creation times in one file (container vs QuickTime key) further apart
# than this are flagged; zone mix-ups stay within 14 hours.
CREATION_TIMES_DISAGREE_S = 15 * 3600
