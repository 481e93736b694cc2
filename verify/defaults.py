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

# --- frames and perceptual hashes -------------------------------------------

# Long side, in pixels, of the grey frames ffmpeg hands to Python. pHash works
# on a 32x32 reduction, so 160 leaves room to crop bars (a vertical video in a
# 16:9 frame keeps ~50 px of width) while keeping the pipe small.
WORKING_LONG_SIDE = 160

# Default `--sample` (and what the bank stores): frames per second for dense
# sampling. From bench/bench_hash.py on Telegram-like re-encodes trimmed at
# awkward phases: frames pair up (within 10 bits and 0.5 s) 15 % of the time
# at fps=0.5, 36 % at 1, 64 % at 2 and 85 % at 4; fps=2 and below cost the
# same (decoding dominates), fps=4 sits at the 0.8 x full-decode speed limit
# and doubles what the bank stores. So the bank keeps fps=2, and a clip being
# matched is sampled at MATCH_SAMPLING (below) to make up the difference.
DEFAULT_SAMPLING = "fps=2"

# `scenes` mode scans this many frames per second for cuts; a shot boundary
# is then known to 1/10 s.
SCENE_SCAN_FPS = 10.0
# A cut: the mean absolute difference between consecutive scanned frames
# (0..255) exceeds CUT_MIN_DIFFERENCE, and either the 32-bin grey histograms
# differ by more than CUT_MIN_HISTOGRAM (L1, 0..2) or the difference exceeds
# CUT_RELATIVE x the shot's median so far. Within-shot histogram changes on
# the samples stay under 0.3; cuts between shots measure 1.2 and more.
CUT_MIN_DIFFERENCE = 20.0
CUT_MIN_HISTOGRAM = 0.5
CUT_RELATIVE = 3.0
# Shots shorter than this merge into the next (flashes, dissolves).
MIN_SHOT_SECONDS = 0.5

# Bars: edge rows/columns whose mean detail is below this fraction of the
# picture's (90th percentile) are bars; a bar must be at least BAR_MIN_FRACTION
# of the side, and at least BAR_MIN_REMAINING of the side must remain.
BAR_DETAIL_FRACTION = 0.15
BAR_MIN_FRACTION = 0.03
BAR_MIN_REMAINING = 0.25
# The smaller bar of a pair must be at least this fraction of the larger.
BAR_SYMMETRY = 0.5
# Bar rows must also look like bars: no step between neighbouring pixels
# over BAR_MAX_STEP (a bar has no sharp edge along it), and dark (mean grey
# at most BAR_DARK_LEVEL of 255; black bars decode to 0-5) or, for a blurred
# copy of the picture, varying along their length (standard deviation at
# least BAR_BLUR_SPREAD).
# A text slide's flat title band (grey 171, spread 0) and navy page (grey 32,
# spread about 3) were taken for bars, and copies of it inside a compilation,
# where other footage fills those rows, hashed 10 bits from the bank's frames.
BAR_DARK_LEVEL = 24.0
BAR_BLUR_SPREAD = 4.0
BAR_MAX_STEP = 40.0

# Near-uniform frames (black, fades, flat colour): grey standard deviation
# below UNIFORM_STD (0..255) or mean absolute Laplacian below UNIFORM_DETAIL.
UNIFORM_STD = 6.0
UNIFORM_DETAIL = 1.0

# Picture-in-picture: a window of change (mean absolute difference between
# consecutive samples above INSET_MIN_ACTIVITY grey levels) covering between
# INSET_MIN_SHARE and INSET_MAX_SHARE of the frame, filled at least
# INSET_MIN_FILL, with the rest of the frame still (median change at most
# INSET_MAX_OUTSIDE_ACTIVITY: graphics and studio backgrounds barely move).
INSET_MIN_FRAMES = 4
INSET_MIN_ACTIVITY = 4.0
INSET_MIN_SHARE = 0.1
INSET_MAX_SHARE = 0.8
INSET_MIN_FILL = 0.6
INSET_MAX_OUTSIDE_ACTIVITY = 1.0
# A still window (footage that barely moves inside a news frame) is found by
# its outline in the mean of up to WINDOW_MEAN_FRAMES sampled frames: a step
# of more than WINDOW_EDGE_STEP grey levels across two pixels along at least
# WINDOW_SIDE_COVERAGE of each of the four sides.
WINDOW_MEAN_FRAMES = 32
WINDOW_EDGE_STEP = 16.0
WINDOW_SIDE_COVERAGE = 0.95
# Only the strongest edge lines per axis are tried as sides (busy pictures
# have dozens of short ones).
WINDOW_MAX_LINES = 16

# Two frames "look the same" when their 64-bit pHashes differ in at most this
# many bits. Measured on the samples (bench/bench_hash.py, tests): a
# Telegram-like re-encode, a 50 % downscale and a letterboxed copy stay within
# 6 bits of the original frame at the same time, while frames of different
# shots differ by 20 bits or more; 10 sits between with margin on both sides.
MATCH_DISTANCE = 10

# --- the bank and matching ------------------------------------------------------

# A clip being matched is sampled more densely than the videos in the bank,
# so that every stored frame has a clip frame close in time whatever the
# phase between the two samplings (a copy cut at 2.4 s has no frame at the
# stored 2.5). On fast footage (bench/bench_match_accuracy.py: a camera
# turning 75 degrees a second, excerpts cut off the bank's grid) frames
# 0.1 s apart already differ by more than MATCH_DISTANCE: with the clip at
# fps=4, 3 of 3 such excerpts and 4 of 4 compilations with them were missed;
# at fps=15 all were found. 16 is used, a multiple of the bank's 2, so that
# `verify batch` can thin its one decode to the bank's sampling
# (`thin_to_rate`). It costs about 40 % more than fps=4 on a 30 s 720p clip
# (hashing; decoding is the same).
MATCH_SAMPLING = "fps=16"

# Candidate videos must share at least this many hash-slice postings with the
# clip, and at most this many are compared frame by frame.
MIN_CANDIDATE_VOTES = 2
# Clip frames looked up in the postings: PROBE_RATE a second (the bank's own
# rate), plus any frame at least PROBE_CHANGE_BITS from the last one looked
# up (fast footage). A frame closer than that would mostly find the same
# stored frames, and every lookup costs time on a large bank (each key has
# ~1500 postings at a million videos). On bench/bench_match_accuracy.py
# rates of 4 and 2 found the same; on the 1 M bank 2 needs fewer lookups.
PROBE_RATE = 2.0
PROBE_CHANGE_BITS = 10
MAX_CANDIDATES = 200
# Time offsets are voted on in bins of this width (a quarter of the default
# 0.5 s sampling interval); pairs within the tolerance of the winning offset
# belong to it (frames of two copies are sampled up to one interval apart).
OFFSET_BIN_SECONDS = 0.25
OFFSET_TOLERANCE_SECONDS = 0.6
# A segment's offset is then refined to the most common pair offset in bins
# this wide (half a frame at 30 fps).
OFFSET_PRECISION_SECONDS = 1 / 60
# Moving footage pins that offset: no bin more than two away gets this share
# of the winning bin's votes (measured: 0.24-0.26 on a pan and dark clouds,
# 1.0 on text slides). Still footage does not; its offset is then the middle
# of the offsets whose support is at least OFFSET_PLATEAU of the best.
OFFSET_SHARPNESS = 0.5
OFFSET_PLATEAU = 0.98
# Where a compilation hands over from one known video to another, the cut is
# put between the clip's two neighbouring frames that differ most, when they
# differ by at least CUT_BITS (frames of different shots differ by about 32,
# neighbouring frames of one shot by a few) and by CUT_DOMINANCE times any
# other two: fast footage changes by 20-30 bits from frame to frame.
CUT_BITS = 16
CUT_DOMINANCE = 1.5
# Still footage matches at any offset nearby; where the copy starting (or
# ending) where the known video does is supported at least this fraction as
# well as the best offset, that reading is taken (see matching). At 0.97 a
# text slide in a picture-in-picture window kept an offset 0.33 s off (the
# known timeline had 0.966 of its support) and lost its last 2.5 s; at 0.95
# five edges improved on bench/bench_match_accuracy.py and none got worse.
SAME_TIMELINE_SUPPORT = 0.95
# A segment needs this many matching frames spanning this many seconds;
# matched frames further apart than the gap start a new segment.
MIN_SEGMENT_FRAMES = 3
MIN_SEGMENT_SECONDS = 1.0
MAX_SEGMENT_GAP_SECONDS = 2.0
# A segment established within MATCH_DISTANCE grows over neighbouring clip
# frames that show the known frame at its offset within this many bits (a
# caption fading in, fast motion between the bank's frames). Unrelated
# frames differ by about 32 bits; 16 is four standard deviations below that.
EXTEND_DISTANCE = 16
# Clip-by-known distance tables are computed this many cells at a time and
# only close pairs kept: an hour-long clip against an hour-long known video
# stays within a few tens of MB.
DISTANCE_BLOCK_CELLS = 1 << 20

# Off-centre crops (see verify.reframe). A candidate whose segments cover
# less than REFRAME_BELOW_COVERAGE of the clip is searched for a framing: the
# part of the known picture the clip shows, cropped by up to REFRAME_MAX_CROP
# of each dimension, on a grid REFRAME_GRID_STEP apart, then refined. It is
# searched on up to REFRAME_ANCHORS clip pictures spread over the clip (at
# REFRAME_PHASES phases of the bank's 0.5 s interval: on fast footage only a
# clip frame of the very moment of a known frame looks like it), and taken
# when at least REFRAME_MIN_ANCHORS of them show a known frame within
# MATCH_DISTANCE through it. On bench/bench_match_accuracy.py the true
# source's best framing put 10-16 of 12-16 anchors within that distance; any
# other video's best framing, over every query and negative, at most 1.
REFRAME_BELOW_COVERAGE = 0.9
REFRAME_MAX_CROP = 0.15
REFRAME_GRID_STEP = 0.025
REFRAME_ANCHORS = 32
REFRAME_PHASES = 4
REFRAME_MIN_ANCHORS = 3
# The clip's most detailed anchor, through a grid of framings, is looked up
# in the postings too (about 110 more keys) when the clip's own probe frames
# give fewer keys than this: still footage (90-150 keys on the accuracy
# bench), whose off-centre crop may otherwise find no candidate at all.
# Moving footage gives 1,400-2,800 keys, and every one of the bench's
# off-centre crops of it was a candidate through its own frames; each key
# costs time on a large bank.
REFRAME_PROBE_BELOW_KEYS = 600

# --- verify batch ---------------------------------------------------------------

# Worker processes for `verify batch`; 0 means one per CPU core this process
# may use. Each file is decoded by one ffmpeg run, so files, not frames, are
# the unit of parallel work.
BATCH_WORKERS = 0
# Files handed to the pool ahead of the workers, per worker: enough that a
# worker never waits for the parent, few enough that Ctrl-C stops promptly.
BATCH_QUEUE_PER_WORKER = 2
# A worker process that dies (killed, out of memory) breaks the pool; it is
# restarted this many times per run before the run stops (rows so far kept).
BATCH_POOL_RESTARTS = 2
# The progress line is redrawn at most this often on a terminal; when stderr
# is a file or pipe, a plain line is written at most this often instead.
PROGRESS_TTY_INTERVAL_S = 0.2
PROGRESS_LOG_INTERVAL_S = 10.0
