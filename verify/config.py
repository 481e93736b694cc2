"""Every tunable of `verify`, in frozen config objects passed down to the code that uses them.

Each default is stated once, here, with the reason for its value. A caller
that wants other values (a test switching a matcher stage off, a bench
trying a threshold) passes its own copy, made with `dataclasses.replace`;
nothing reads these from module globals.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class InspectConfig:
    """Reading files and judging their metadata (`verify.inspection`, `verify.media`)."""

    # Seconds one ffprobe/ffmpeg run may take on a file before we give up on it.
    # Probing reads headers only and takes well under a second on healthy files,
    # even multi-gigabyte ones; a minute leaves room for slow network disks while
    # still unsticking a batch from a file that makes ffprobe hang.
    probe_timeout_s: float = 60.0

    # Read size for streaming hashes: large enough that Python overhead is
    # negligible next to SHA-256 itself, small enough that memory stays flat.
    hash_chunk_bytes: int = 1 << 20

    # How far into a file we look for encoder signatures (x264/x265 SEI text).
    # Encoders write them in the first coded frame, which sits near the start of
    # the media data; 4 MiB covers files with a large index placed up front.
    signature_scan_bytes: int = 4 << 20

    # A creation time this much later than the file's mtime is flagged. A zone
    # written as UTC by mistake is at most 14 hours off, so a day is safe.
    creation_after_mtime_tolerance_s: int = 24 * 3600

    # Audio and video durations that differ by more than this are flagged: players
    # tolerate small gaps, edits that drop or add one track produce larger ones.
    av_duration_tolerance_s: float = 1.0

    # A header's declared duration replaces ffprobe's measured one when they
    # differ by more than this (or 2 %): the last frame's length and audio
    # priming account for a few hundredths of a second in sound files.
    duration_slack_s: float = 0.5

    # Two creation times in one file (container vs QuickTime key) further apart
    # than this are flagged; zone mix-ups stay within 14 hours.
    creation_times_disagree_s: int = 15 * 3600

    # A zone-less EXIF time takes the zone the GPS clock implies when the two
    # differ by whole quarter hours within this slack: the fix time and the
    # shutter are seconds apart on a phone, a minute or two on a camera with
    # a slow receiver.
    gps_zone_slack_s: float = 180.0

    # A GPS fix time further than this from a zone-bearing capture time is
    # flagged. Receivers keep the last fix for a while when the signal drops
    # (indoors); an hour is beyond that, and beyond clock drift.
    gps_time_tolerance_s: float = 3600.0


@dataclasses.dataclass(frozen=True)
class HashConfig:
    """Sampling frames and hashing them (`verify.hashing`)."""

    # Long side, in pixels, of the grey frames ffmpeg hands to Python. pHash works
    # on a 32x32 reduction, so 160 leaves room to crop bars (a vertical video in a
    # 16:9 frame keeps ~50 px of width) while keeping the pipe small.
    working_long_side: int = 160
    # ffmpeg's decoder runs several frame threads by default; starting and
    # feeding them costs more than they gain on a short clip, whose decode
    # shares the two cores with Python's hashing. Measured whole (`verify hash`,
    # `verify match`, alternately, 2 cores): keyframes of a 3-minute 1080p file
    # 0.20 s with one thread against 0.40 s; at fps=2 and fps=16, clips under
    # 2 MB (the committed footage, 10 s at 720p) 2-6 % faster with one, a 15 s
    # and a 30 s 720p clip (1.9 and 3.9 MB) the same, a 20 s 1080p one (9 MB)
    # 12 % slower. So: keyframes with one thread always, other samplings with
    # one when the file is smaller than this.
    single_thread_below_bytes: int = 2_000_000
    # Each frame's PDQ (`verify hash` prints it; batch rows keep it, so their
    # fingerprints can be exchanged as hash lists). A clip being matched needs
    # none: the bank compares the other forms, and shared lists are matched on
    # a full-size decode of their own (`verify.lists.signals`). So `verify
    # match` and the report's matching hash without it (`QUERY_HASH`): 12 ms a
    # 10 s 720p query, 4 % of its time in-process (36 queries, medians of 6
    # alternating rounds: 10.08 s with it, 9.65 s without).
    frame_pdq: bool = True

    # Default `--sample` (and what the bank stores): frames per second for dense
    # sampling. From bench/bench_hash.py on Telegram-like re-encodes trimmed at
    # awkward phases: frames pair up (within 10 bits and 0.5 s) 15 % of the time
    # at fps=0.5, 36 % at 1, 64 % at 2 and 85 % at 4; fps=2 and below cost the
    # same (decoding dominates), fps=4 sits at the 0.8 x full-decode speed limit
    # and doubles what the bank stores. So the bank keeps fps=2, and a clip being
    # matched is sampled at query_sampling (below) to make up the difference.
    sampling: str = "fps=2"

    # `scenes` mode scans this many frames per second for cuts; a shot boundary
    # is then known to 1/10 s.
    scene_scan_fps: float = 10.0
    # A cut: the mean absolute difference between consecutive scanned frames
    # (0..255) exceeds cut_min_difference, and either the 32-bin grey histograms
    # differ by more than cut_min_histogram (L1, 0..2) or the difference exceeds
    # cut_relative x the shot's median so far. Within-shot histogram changes on
    # the samples stay under 0.3; cuts between shots measure 1.2 and more.
    cut_min_difference: float = 20.0
    cut_min_histogram: float = 0.5
    cut_relative: float = 3.0
    # Shots shorter than this merge into the next (flashes, dissolves).
    min_shot_seconds: float = 0.5
    # Bars and insets are judged per shot; a shot of fewer sampled frames than
    # this takes the whole video's (at the bank's fps=2, a 3 s shot).
    shot_min_frames: int = 6

    # Bars: edge rows/columns whose mean detail is below this fraction of the
    # picture's (90th percentile) are bars; a bar must be at least bar_min_fraction
    # of the side, and at least bar_min_remaining of the side must remain. A
    # blurred copy behind a 9:16 re-frame of real footage kept 0.15-0.17 (the
    # real-footage bench's tuning part); at 0.25 the flat sides of the synthetic
    # bench's static scene were taken for bars.
    bar_detail_fraction: float = 0.2
    bar_min_fraction: float = 0.03
    bar_min_remaining: float = 0.25
    # The smaller bar of a pair must be at least this fraction of the larger.
    bar_symmetry: float = 0.5
    # Bar rows must also look like bars: no step between neighbouring pixels
    # over bar_max_step (a bar has no sharp edge along it), and dark (mean grey
    # at most bar_dark_level of 255; black bars decode to 0-5) or, for a blurred
    # copy of the picture, varying along their length (standard deviation at
    # least bar_blur_spread).
    # A text slide's flat title band (grey 171, spread 0) and navy page (grey 32,
    # spread about 3) were taken for bars, and copies of it inside a compilation,
    # where other footage fills those rows, hashed 10 bits from the bank's frames.
    bar_dark_level: float = 24.0
    bar_blur_spread: float = 4.0
    bar_max_step: float = 40.0
    # A bar that is not dark must end where the picture begins: one of the
    # bar_picture_lines lines inside it at least bar_picture_fraction of the
    # picture's detail (the reference above), or flat (spread under
    # bar_blur_spread: graphics such as a caption band). The real-footage
    # bench's tuning part, whole-video profiles: inside the blurred bars of 9:16
    # re-frames 0.83-1.07; inside plain walls and dim sides taken for bars under
    # text across the middle 0.14-0.24 (spread 18-37, so not flat), a wall in
    # an off-centre crop 0.23-0.25. Three lines of the 160 px working frame
    # (about 7 px at 360p) let a picture's edge be softened by scaling. A shot
    # that finds no bars of its own keeps the whole video's when every line
    # beyond them is under bar_picture_fraction of its detail (a re-frame's
    # shot of night sky and towers: its blurred copy at 0.01-0.31 of the
    # shot's detail, too much to pass for bars at bar_detail_fraction).
    bar_picture_fraction: float = 0.4
    bar_picture_lines: int = 3

    # Near-uniform frames (black, fades, flat colour): grey standard deviation
    # below uniform_std (0..255) or mean absolute Laplacian below uniform_detail.
    uniform_std: float = 6.0
    uniform_detail: float = 1.0

    # Picture-in-picture: a window of change (mean absolute difference between
    # consecutive samples above inset_min_activity grey levels) covering between
    # inset_min_share and inset_max_share of the frame, filled at least
    # inset_min_fill, with the rest of the frame still (median change at most
    # inset_max_outside_activity: graphics and studio backgrounds barely move).
    inset_min_frames: int = 4
    inset_min_activity: float = 4.0
    inset_min_share: float = 0.1
    inset_max_share: float = 0.8
    inset_min_fill: float = 0.6
    inset_max_outside_activity: float = 1.0
    # A still window (footage that barely moves inside a news frame) is found by
    # its outline in the mean of up to window_mean_frames sampled frames: a step
    # of more than window_edge_step grey levels across two pixels along at least
    # window_side_coverage of each of the four sides.
    window_mean_frames: int = 32
    window_edge_step: float = 16.0
    window_side_coverage: float = 0.95
    # Only the strongest edge lines per axis are tried as sides (busy pictures
    # have dozens of short ones).
    window_max_lines: int = 16
    # Panels (`verify.hashing.panels`): footage in part of a frame whose
    # surroundings move too, found over up to panel_max_frames frames of a shot.
    # Across a border, the changes from frame to frame of pixels two apart
    # correlate by at most 1 - panel_min_decorrelation (within one picture
    # they move together), standing out by panel_min_ridge from the pixels
    # panel_ridge further on one side at least; or one side is still (mean squared
    # change at most panel_still_energy, compression noise) while the other
    # moves (over panel_moving_energy); or one side is frozen (at most
    # panel_frozen_energy: decoded camera footage always changes more) while the
    # other changes at all (over panel_still_energy); or, where both are still, a
    # step of more than window_edge_step grey levels in panel_step_persistence of
    # the frames (a drawn rim, the edge of a still picture). On the tuning part,
    # the dark camera trap's portrait in a 65 % inset changed by 0.1 (scaled down,
    # its noise was gone) beside a parked-car street whose camera shook, 5: the
    # step between them, 24 grey levels at the median, came and went with the
    # shake. A line is a candidate side when such
    # pixels cover panel_min_side of the frame's width (or height) along it; a
    # proposed panel's four sides are each covered for panel_side_coverage of
    # their length (the frame's own sides count as covered) and it covers
    # panel_min_share to panel_max_share of the frame; the panel_proposals
    # likeliest are tried against the bank (loose on purpose: the known
    # frames decide). The numbers were set looking at the real-footage bench's
    # tuning part only (bench/realset.py): the proposals of its insets, splits,
    # reaction layouts and screen recordings.
    panel_max_frames: int = 48
    panel_min_decorrelation: float = 0.6
    panel_min_ridge: float = 0.3
    panel_ridge: int = 3
    panel_still_energy: float = 4.0
    panel_moving_energy: float = 16.0
    panel_frozen_energy: float = 1.0
    panel_step_persistence: float = 0.9
    panel_min_side: float = 0.12
    panel_side_coverage: float = 0.35
    # Coverage counts only a side's pixels that tell: silent ones (both sides
    # still, no edge: a plain wall running from a picture into its blurred
    # copy) are left out, down to panel_min_telling of the side's length.
    panel_min_telling: float = 0.5
    panel_min_share: float = 0.06
    panel_max_share: float = 0.9
    panel_proposals: int = 72
    # Bands across the frame's whole width or height among the rectangles that
    # fit (at most panel_bands) are listed apart, for footage zoomed to fill a
    # re-frame (`PanelSearch.choose_filled`): its captions over the blurred
    # copy draw strong lines, and the rectangles between them outrank the
    # band's two sides among the proposals (the tuning part's camera trap and
    # dashcam re-frames: not among the 72).
    # Bands are taken between the panel_band_lines strongest lines (and the
    # frame's sides), not window_max_lines: a caption's letters draw a line
    # each, and took 9 of the 16 slots.
    panel_bands: int = 48
    panel_band_lines: int = 32


@dataclasses.dataclass(frozen=True)
class MatchConfig:
    """Matching a clip against the bank (`verify.matching`): thresholds and stages.

    Every stage of the matcher can be switched off here (the ``*_stage``
    fields), so a test can show what each one is for.
    """

    # Two frames "look the same" when their 64-bit pHashes differ in at most this
    # many bits. Measured on the samples (bench/bench_hash.py, tests): a
    # Telegram-like re-encode, a 50 % downscale and a letterboxed copy stay within
    # 6 bits of the original frame at the same time, while frames of different
    # shots differ by 20 bits or more; 10 sits between with margin on both sides.
    match_distance: int = 10

    # A clip being matched is sampled more densely than the videos in the bank,
    # so that every stored frame has a clip frame close in time whatever the
    # phase between the two samplings (a copy cut at 2.4 s has no frame at the
    # stored 2.5). On fast footage (bench/bench_match_accuracy.py: a camera
    # turning 75 degrees a second, excerpts cut off the bank's grid) frames
    # 0.1 s apart already differ by more than match_distance: with the clip at
    # fps=4, 3 of 3 such excerpts and 4 of 4 compilations with them were missed;
    # at fps=15 all were found. 16 is used, a multiple of the bank's 2, so that
    # `verify batch` can thin its one decode to the bank's sampling
    # (`thin_to_rate`). It costs about 40 % more than fps=4 on a 30 s 720p clip
    # (hashing; decoding is the same).
    query_sampling: str = "fps=16"

    # Candidate videos must share at least this many hash-slice postings with the
    # clip, and at most this many are compared frame by frame.
    min_candidate_votes: int = 2
    # A clip that looks up fewer keys than this needs one vote: still footage
    # repeats a few hashes (90-150 keys of its own frames, and about 110 more
    # from its grid of framings, `reframe_probe_below_keys`; moving footage
    # gives 1,400-2,800 on the accuracy bench), so a copy a few bits off meets
    # its video on fewer distinct keys. The count is of the keys one lookup
    # passes: the clip's own, then those with its panels' (`match_fingerprint`).
    # On the tuning part, the dark camera trap's portrait in a screen recording
    # met its video on one key (and matched it, 5.8 bits apart, once it was a
    # candidate). Each candidate is still held to the frame-by-frame match.
    single_vote_below_keys: int = 600
    # Clip frames looked up in the postings: probe_rate a second (the bank's own
    # rate), plus any frame at least probe_change_bits from the last one looked
    # up (fast footage). A frame closer than that would mostly find the same
    # stored frames, and every lookup costs time on a large bank (each key has
    # ~1500 postings at a million videos). On bench/bench_match_accuracy.py
    # rates of 4 and 2 found the same; on the 1 M bank 2 needs fewer lookups.
    probe_rate: float = 2.0
    probe_change_bits: int = 10
    max_candidates: int = 200
    # Work a lookup may read, in postings. At a million videos each key has some
    # 1,500 postings and a 30 s clip looks up ~1,000 keys: counting those 1.5 M
    # votes took 2.4 s on PostgreSQL (hash aggregation, all pages in memory) and
    # 0.9 s on SQLite (bench/bench_team.py). A copy shares keys on most of its
    # frames, so an even fraction of the keys still gives it many votes, while a
    # video met by chance gets one or two: above this many postings (measured
    # from probe_density_keys of the keys first) the keys are thinned evenly to
    # fit. Banks of up to ~200 k videos of 30 s never reach it, the accuracy
    # bench's never.
    max_probe_postings: int = 300_000
    probe_density_keys: int = 32
    # Time offsets are voted on in bins of this width (a quarter of the default
    # 0.5 s sampling interval); pairs within the tolerance of the winning offset
    # belong to it (frames of two copies are sampled up to one interval apart).
    offset_bin_seconds: float = 0.25
    offset_tolerance_seconds: float = 0.6
    # A segment's offset is then refined to the most common pair offset in bins
    # this wide (half a frame at 30 fps).
    offset_precision_seconds: float = 1 / 60
    # Moving footage pins that offset: no bin more than two away gets this share
    # of the winning bin's votes (measured: 0.24-0.26 on a pan and dark clouds,
    # 1.0 on text slides). Still footage does not; its offset is then the middle
    # of the offsets whose support is at least offset_plateau of the best.
    offset_sharpness: float = 0.5
    offset_plateau: float = 0.98
    # A copy played faster or slower (re-uploads nudge the speed to dodge
    # matching) lines up along known = rate x clip + offset; see
    # verify.matching.offsets.playback_rate. A known frame pins a point of that
    # line when every clip frame more than rate_pin_seconds from its best one
    # is at least rate_pin_bits further from it. A rate is taken from at least
    # rate_min_points such points spanning rate_min_span_seconds, when they lie
    # within rate_max_residual_seconds of its line (median) and rate_min_gain
    # times closer than to any line of rate 1, and it is rate_min_change or more
    # from 1, within rate_range. Measured on bench/bench_match_accuracy.py's
    # tuning part: a dashcam at 0.9x and 1.1x gives 12-15 points within
    # 0.035-0.039 s of rates 0.900 and 1.100 (0.19-0.28 s from rate 1); its
    # re-encode at 1x gives rate 1.000; static footage (a fixed camera, a
    # screen recording) pins 0-5 points, and keeps rate 1.
    rate_pin_seconds: float = 0.3
    rate_pin_bits: int = 2
    rate_min_points: int = 8
    rate_min_span_seconds: float = 4.0
    rate_max_residual_seconds: float = 0.1
    rate_min_gain: float = 3.0
    rate_min_change: float = 0.02
    rate_range: tuple[float, float] = (0.8, 1.25)
    # The line is the median slope between points this far apart or more (closer
    # ones divide the points' own scatter, a frame or so, by too little time),
    # over at most rate_fit_points points (pairs of them grow as their square).
    rate_slope_seconds: float = 1.0
    rate_fit_points: int = 300
    # Still footage pins too few points for that line (a fixed camera, a screen
    # recording, a time-lapse: 5 of the tuning part's 8 clips at 0.9x and 5 at
    # 1.1x, reported up to 1.17 s off), and pins may lie along no one line (nor
    # rate 1: the drone's 0.9x copy). Their frames still fit one rate better
    # than 1 when the copy is re-timed: `fitted_rate` maps rate_fit_frames clip
    # frames (evenly spread) along lines every rate_fit_step in rate and
    # rate_fit_offset_step seconds in offset, and scores each line by the mean
    # bits apart of each frame's forms and the known frame nearest its moment
    # (capped at rate_fit_cap_bits, which a moment outside the known video
    # also counts). The best line is taken when it is rate_fit_gain_bits
    # closer than the best line of rate 1. Measured on the tuning part: copies
    # at 0.9x gain 1.5-3.8 bits; at 1.1x the screen recording 2.7, the room's
    # portrait copy and the time-lapse 0.56, the others under 0.11; 1x copies
    # (every layout) 0.40 at most (an excerpt of the screen recording), and
    # 0.27 at most over 42 1x excerpts of lengths a re-timed whole copy
    # could have. Where frames fit many rates alike (still footage), the rate
    # that maps the clip onto the whole known video (known length / clip
    # length) is taken when within rate_fit_whole_bits of the best: 0.09-0.25
    # for the tuning part's re-timed whole copies (64 frames and 0.05 s steps
    # cost about 11 ms where the fit runs; every frame at 0.02 s, 170 ms). The
    # offsets tried span the pairs' own at every rate in range; beyond
    # rate_fit_max_offsets of them the rate stays 1 (bounded work: the span
    # grows by 0.45 s a clip second, so a clip over about 4 minutes, or still
    # footage meeting known frames over 2 minutes apart, keeps rate 1).
    rate_fit_frames: int = 64
    rate_fit_step: float = 0.005
    rate_fit_offset_step: float = 0.05
    rate_fit_cap_bits: int = 20
    rate_fit_gain_bits: float = 0.6
    rate_fit_whole_bits: float = 0.3
    rate_fit_max_offsets: int = 2400
    # Where a compilation hands over from one known video to another, the cut is
    # put between the clip's two neighbouring frames that differ most, when they
    # differ by at least cut_bits (frames of different shots differ by about 32,
    # neighbouring frames of one shot by a few) and by cut_dominance times any
    # other two: fast footage changes by 20-30 bits from frame to frame.
    cut_bits: int = 16
    cut_dominance: float = 1.5
    # Still footage matches at any offset nearby; where the copy starting (or
    # ending) where the known video does is supported at least this fraction as
    # well as the best offset, that reading is taken (see matching). At 0.97 a
    # text slide in a picture-in-picture window kept an offset 0.33 s off (the
    # known timeline had 0.966 of its support) and lost its last 2.5 s; at 0.95
    # five edges improved on bench/bench_match_accuracy.py and none got worse.
    same_timeline_support: float = 0.95
    # A segment needs this many matching frames spanning this many seconds;
    # matched frames further apart than the gap start a new segment.
    min_segment_frames: int = 3
    min_segment_seconds: float = 1.0
    max_segment_gap_seconds: float = 2.0
    # A segment must also match this many different known frames: clip frames
    # that all met one known frame (a still, a dark frame) at the match
    # distance's edge gave the real-footage bench's false matches (tuning part).
    min_segment_known_frames: int = 2
    # A segment established within match_distance grows over neighbouring clip
    # frames that show the known frame at its offset within this many bits (a
    # caption fading in, fast motion between the bank's frames). Unrelated
    # frames differ by about 32 bits; 16 is four standard deviations below that.
    extend_distance: int = 16
    # How far a segment's edges could be moved along the known video and fit as
    # well: the largest move (in steps of the known frames' interval, up to
    # placement_max_seconds either way, unbroken from zero), of the whole
    # segment or of one edge with the other held (another speed, within
    # rate_range), at which its frames' mean bits to the known frame at their
    # moment stay within placement_margin_bits of where it is placed (a frame
    # further than match_distance counts match_distance + 1). Moving footage
    # changes by several bits in half a second, so its segments are pinned
    # (0-0.5 s); still footage fits one second as well as another, and says
    # so, since its edges cannot be told from its pictures. One bit: about the
    # spread of a still picture's hash from one re-encoded frame to the next.
    # A moved edge (the other held) is held to half the margin (see
    # verify.matching.segments.placement_slack). On the real-footage bench's
    # tuning part, 5 still copies at 1.1x were aligned at rate 1, an edge
    # 0.46-0.9 s off, with a slack of 0.48-0.5 s (one 2.0) from shifts alone;
    # moving one edge too, 0.5-2.0 s, each at least its error. With the whole
    # margin for a moved edge too, the same, but 57 of the tuning part's 155
    # queries placed within 0.3 s said their placement is uncertain (39 with
    # half; 23 from shifts alone), and 38 of the synthetic set's 161 (28; 4).
    placement_margin_bits: float = 1.0
    placement_max_seconds: float = 10.0
    # Clip-by-known distance tables are computed this many cells at a time and
    # only close pairs kept: an hour-long clip against an hour-long known video
    # stays within a few tens of MB.
    distance_block_cells: int = 1 << 20

    # Off-centre crops (see verify.matching.reframe). A candidate whose segments cover
    # less than reframe_below_coverage of the clip is searched for a framing: the
    # part of the known picture the clip shows, cropped by up to reframe_max_crop
    # of each dimension, on a grid reframe_grid_step apart, then refined. It is
    # searched on up to reframe_anchors clip pictures spread over the clip (at
    # reframe_phases phases of the bank's 0.5 s interval: on fast footage only a
    # clip frame of the very moment of a known frame looks like it), and taken
    # when at least reframe_min_anchors of them show a known frame within
    # match_distance through it. On bench/bench_match_accuracy.py the true
    # source's best framing put 10-16 of 12-16 anchors within that distance; any
    # other video's best framing, over every query and negative, at most 1.
    reframe_below_coverage: float = 0.9
    reframe_max_crop: float = 0.15
    reframe_grid_step: float = 0.025
    reframe_anchors: int = 32
    reframe_phases: int = 4
    reframe_min_anchors: int = 3
    # The framing grid and the panels' proposals are searched with folded window
    # hashes (`phash_windows(..., exact=False)`, a third of the cost, 0.2 bits
    # further from the crop's pHash on average); the best window_rescore of them
    # are hashed exactly and ranked again before the winner is refined. Without
    # it four of the synthetic set's off-centre crops and a picture-in-picture
    # copy settled on windows 0.2-1.6 bits further than with exact hashes.
    window_rescore: int = 4
    # The clip's most detailed anchor, through a grid of framings, is looked up
    # in the postings too (about 110 more keys) when the clip's own probe frames
    # give fewer keys than this: still footage (90-150 keys on the accuracy
    # bench), whose off-centre crop may otherwise find no candidate at all.
    # Moving footage gives 1,400-2,800 keys, and every one of the bench's
    # off-centre crops of it was a candidate through its own frames; each key
    # costs time on a large bank.
    reframe_probe_below_keys: int = 600
    # Panels (verify.matching.panels) are tried on up to panel_anchors pictures
    # of each shot, spread over it; a panel is chosen for a candidate like a
    # framing, when reframe_min_anchors of them come within match_distance.
    panel_anchors: int = 16
    # Of those, panel_probe_anchors (every other one) are looked up in the bank.
    panel_probe_anchors: int = 8
    # A shot whose best proposal has too few anchors within match_distance has
    # its panel_near_tries nearest proposals that bring reframe_min_anchors, and
    # half their usable anchors, within match_distance + panel_near_bits
    # refined and counted again (`PanelSearch._near_miss`): a
    # proposal's edges may sit a pixel or two inside a rim. On the tuning part,
    # the dark camera trap's portrait in the reaction layout's corner was
    # proposed 2-3 pixels inside on two sides: its anchors 12 bits from their
    # known frames, against 4 through the true window. A box moved to fit a
    # candidate fits it better by chance too, so the refined box must bring
    # the median anchor within panel_near_fit_bits: the portrait's reaction
    # inset came to 0; with second copies in the bank, a dark night video met
    # the screen recording's dark editor through two refined near misses at
    # medians of 6 and 10 bits (and was reported, 5.2 bits apart, without this).
    # Since half the anchors must fit, a proposal with fewer than half within
    # reach is not refined: on the real-footage set, 271 of 464 failed tries;
    # the near misses that fitted on both sets had 9-15 of 10-16 within reach.
    panel_near_bits: int = 4
    panel_near_tries: int = 2
    panel_near_fit_bits: float = 4.0
    # A panel whose shape (width/height) differs by panel_fill_min_change or
    # more from a candidate's picture may show it zoomed to fill and cut in the
    # middle, as short-video re-frames do (`PanelSearch.choose_filled`): its
    # part that shows the known centre 70 % is tried when the panel as a whole
    # matched nothing. Under it, the panel shows the picture whole (letterboxed
    # within a pixel or two): the plain search's case. The tuning part's
    # re-frames zoomed 1.3x show 0.77 of a 16:9 picture's width. A second box
    # per proposal is a second chance to meet a known picture by chance: a
    # match through it must have frames panel_fill_max_mean_distance bits apart
    # on average, at most. On the tuning part the re-frames' and compilations'
    # true matches through it came 0-2.0 bits apart, and chance meetings 8.9
    # and 9.2; copies under text across the middle met their video through it
    # 4.5-10 bits apart, but were found through their whole frame as closely.
    panel_fill_min_change: float = 0.08
    panel_fill_max_mean_distance: float = 4.0
    # A match found through a panel must have frames panel_max_mean_distance bits
    # apart on average, at most: on the real-footage bench's tuning part, true
    # panel matches averaged 0.4-4.9 bits and chance ones 8-10.
    panel_max_mean_distance: float = 6.0
    # Panels are not looked for when a candidate already matches the whole clip
    # firmly with frames at most panel_skip_distance bits apart on average: a
    # plain copy (an inset over it would move its frames further than that).
    # A candidate matched firmly but further apart is tried through the panels
    # too, and the better match kept.
    panel_skip_distance: float = 2.0
    # A band across the middle of the picture (a caption or a warning in large
    # text over a dark strip) moves every whole-frame hash of plain footage by
    # 16-18 bits (the tuning part's night camera trap). When nothing else
    # matches, the band is found (`verify.matching.bands`) and filled in from
    # the rows above and below it, and the clip is matched again. A band's top
    # and bottom are steps of band_step grey levels or more, of opposite
    # signs, across band_span of the picture's width, at the same rows in
    # band_persistence of the pictures; it is band_min_height to
    # band_max_height of the picture high and starts and ends at least
    # band_edge_margin from its top and bottom (bars are cropped otherwise).
    # The fill starts band_fill_rows beyond each step (a step blurs over a
    # row in the 160 px working picture). Measured on the tuning part's eight
    # copies under text: the band (rows 31-56 of 90) was found in the four
    # whose picture fills the frame; filled, the camera trap came from 16 bits
    # (median, nearest known frame) to 6; the others went from 6-10 to 8-14,
    # as a band over their subject takes what matters with it (so the fill
    # is tried only when nothing matched). Phone screen recordings' interface
    # bars were taken for bands too. band_pictures pictures are read, evenly
    # spread. A light strip is taken only where no dark one is found: the
    # footage between two dark strips looks like a light one.
    band_step: float = 12.0
    band_span: float = 0.8
    band_persistence: float = 0.9
    band_min_height: float = 0.08
    band_max_height: float = 0.45
    band_edge_margin: float = 0.1
    band_fill_rows: int = 1
    band_pictures: int = 64
    # A match through the whole frame (or a framing of it) over mostly the same
    # seconds as a better match, its frames over overlap_max_mean_distance bits
    # apart, is a chance meeting when the better match is through a panel (the
    # frame is made of several pictures), or when it is also at least
    # overlap_min_extra_bits further than the better match and scores under
    # overlap_max_score_share of it. A panel inside a better match's panel over
    # the same seconds is a chance meeting unless it is within
    # overlap_min_extra_bits of it and scores at least overlap_max_score_share
    # of it (a second copy of that video). On the tuning part, a plain wall in a
    # screen recording met an overcast sky through the whole frame at 8.0 bits
    # (score 0.17) beside its true panel at 2.2 (0.97). With a second copy of
    # each tuning video in the bank (its Telegram re-encode): through the whole
    # frame, the two copies met a clip within 0.4 bits of each other (up to 10
    # bits from it with text across the picture), but for an off-centre crop
    # reframed less well (8.9 bits against 1.2, score 0.81 against 0.98); through
    # a panel, up to 3.7 bits apart (a copy at 270 lines fits its panel less
    # exactly), scores within 0.06. A distance alone dropped six true copies,
    # and a margin of 3 bits two panels; a score alone would drop a true excerpt
    # kept beside its whole video (it covers part of the clip).
    overlap_max_mean_distance: float = 6.0
    overlap_min_extra_bits: float = 4.5
    overlap_max_score_share: float = 0.5

    # --- stages (each on by default; verify.matching says what each decides)
    # Compare the clip mirrored too (re-uploads flip footage to dodge matching).
    mirror_stage: bool = True
    # Probe fast footage densely: every frame probe_change_bits from the last.
    dense_probe_stage: bool = True
    # Align a copy played at another speed along its rate (see rate_pin_seconds).
    rate_stage: bool = True
    # Where the frames pin no rate, fit one over all of them (see rate_fit_frames).
    rate_fit_stage: bool = True
    # Refine a segment's offset to a fraction of a frame (moving footage).
    exact_offset_stage: bool = True
    # For still footage, the middle of the offsets it supports equally well.
    middle_offset_stage: bool = True
    # Prefer the reading where the copy keeps the known video's timeline.
    same_timeline_stage: bool = True
    # Grow a segment over neighbouring, less alike frames at its offset.
    extend_stage: bool = True
    # Place segment edges between matched and unmatched known frames.
    edges_stage: bool = True
    # Drop weaker alignments that repeat a stronger one's clip seconds.
    drop_shadowed_stage: bool = True
    # Put the edge between two known videos of a compilation at the clip's cut.
    cuts_stage: bool = True
    # Search off-centre crops for the framing they show (needs the clip's pictures).
    reframe_stage: bool = True
    # Look the clip's panels up and compare them (an inset over moving video,
    # a split screen: `verify.hashing.panels`); needs the clip's pictures.
    panel_stage: bool = True
    # When nothing matched, fill a band across the picture in and match again
    # (see band_step); needs the clip's pictures.
    band_stage: bool = True


@dataclasses.dataclass(frozen=True)
class BatchConfig:
    """Running `verify batch` (`verify.batch`)."""

    # Worker processes for `verify batch`; 0 means one per CPU core this process
    # may use. Each file is decoded by one ffmpeg run, so files, not frames, are
    # the unit of parallel work.
    workers: int = 0
    # Files handed to the pool ahead of the workers, per worker: enough that a
    # worker never waits for the parent, few enough that Ctrl-C stops promptly.
    queue_per_worker: int = 2
    # A worker process that dies (killed, out of memory) breaks the pool; it is
    # restarted this many times per run before the run stops (rows so far kept).
    pool_restarts: int = 2
    # The progress line is redrawn at most this often on a terminal; when stderr
    # is a file or pipe, a plain line is written at most this often instead.
    # `--scheduler`: seconds to wait for the Dask scheduler to answer, and then
    # for at least one worker to join it; a scheduler that is down should be
    # reported promptly, a cluster that is still starting given a moment.
    scheduler_timeout_s: float = 20.0
    progress_tty_interval_s: float = 0.2
    progress_log_interval_s: float = 10.0


@dataclasses.dataclass(frozen=True)
class ListConfig:
    """Shared hash lists: vPDQ hashes and their matching (`verify.hashing.vpdq`)."""

    # One PDQ a second: what Meta's vPDQ tool hashes by default, so that hashes
    # made here compare frame for frame with lists made there.
    vpdq_seconds_per_hash: float = 1.0

    # vPDQ's published matching rule: two frames match within 31 of 256 bits
    # (PDQ's own recommended threshold) ...
    vpdq_max_distance: int = 31
    # ... frames of quality under 50 take no part (too flat to be evidence) ...
    vpdq_min_quality: int = 50
    # ... and a video matches when at least 80 % of the query's frames do.
    vpdq_match_percent: float = 80.0

    # List entries compared in full per query, those sharing most slices first.
    # A copy shares slices with its entry on most of its frames; 100 leaves
    # room for a list holding many versions of one video, at a few ms each.
    list_max_candidates: int = 100


@dataclasses.dataclass(frozen=True)
class TimelineConfig:
    """The forensic timeline of `verify analyse` (`verify.forensics`)."""

    # A change of keyframe pattern needs the gop_min_intervals intervals on
    # each side of it to agree on a length (gop_min_share of them: two of
    # three), the two lengths different: an encoder with a fixed GOP repeats
    # one interval, and a scene-cut keyframe now and then (x264's scenecut)
    # must not read as a second encoder.
    gop_min_intervals: int = 3
    gop_min_share: float = 0.6
    # A step between frames' presentation times more than gap_factor times the
    # typical step, and at least gap_min_s longer, is a gap (frames missing or
    # a section removed): one frame dropped at 30 fps is a step of 2x.
    gap_factor: float = 1.8
    gap_min_s: float = 0.02
    # "Typical" is the median of the gap_window steps around it: footage of two
    # rates joined has two typical steps, and the slower one is no gap.
    gap_window: int = 31
    # Frame rate per second of the file: a change of more than rate_change
    # (20 %) between one second and the next that lasts rate_change_seconds is
    # reported; phones vary theirs by a few per cent in low light.
    rate_change: float = 0.2
    rate_change_seconds: int = 2
    # Audio packets further apart than audio_gap_s beyond the codec's frame
    # (the median packet length: 21 ms for AAC at 48 kHz) are a discontinuity.
    audio_gap_s: float = 0.05
    # Sound and picture starting more than av_offset_s apart, or ending more
    # than av_length_s apart, are reported (a muxer pads by a frame or two).
    av_offset_s: float = 0.1
    av_length_s: float = 0.5
    # Indicators of different kinds within splice_window_s of each other make a
    # splice candidate (the tolerance for an edit's place).
    splice_window_s: float = 0.1
    # Pictures compared frame to frame: every frame decoded grey with its long
    # side this many pixels (enough to see a cut or a still; small to decode).
    picture_long_side: int = 64
    # A frame repeats the one before when they differ by at most this many grey
    # levels on average, and repeats lasting frozen_min_s are a frozen stretch.
    # Exactly equal: a repeated picture re-encoded decodes to the same pixels
    # (27 of the 29 repeats of a second frozen here and re-encoded), while on
    # the 11 real clips of bench/footage no two frames in a row are equal even
    # where nothing moves (static cameras, a screen recording; 0.5 grey levels
    # would have called 10 of them frozen).
    frozen_max_difference: float = 0.0
    frozen_min_s: float = 0.3
    # A new base quantiser (the picture parameter set's initial one) counts when
    # it holds for parameter_min_frames frames: one encoder session keeps it
    # (constant over every frame of the 11 real clips of bench/footage and the
    # samples), and a stream that switches between parameter sets every few
    # frames is not a join. At most parameter_max_reported changes are listed.
    parameter_min_frames: int = 5
    parameter_max_reported: int = 20
    # Single repeated frames in at least this share of all frames: a frame-rate
    # conversion by doubling (24 to 30 fps repeats one frame in five).
    duplicate_min_share: float = 0.05
    # Double compression: the P-frames of a re-encode are larger where the first
    # encoding had its keyframes (that picture was better than its neighbours),
    # so their sizes rise every first-GOP frames. Each P-frame's size (log) is
    # taken against the median of the recompression_window P-frames around it;
    # every period from recompression_periods (frames) and phase is scored
    # (mean over that phase's frames, in standard errors), and the best must
    # reach recompression_min_z and beat that many permutations of the same
    # residuals in all but recompression_max_p of them. At least
    # recompression_min_frames P-frames and recompression_min_repeats periods
    # are needed (fewer let one odd frame make a phase). Chosen on the tuning
    # part of bench/bench_recompression.py: re-encodes without B-frames of
    # GOP-15 encodes scored 4.4-11.4 at the right period and phase, and the
    # permutations, not the floor of 4, are what keeps single encodes quiet
    # (residuals clipped at 3 robust standard deviations: a flash is one frame).
    recompression_periods: tuple[int, int] = (5, 60)
    recompression_window: int = 9
    recompression_min_z: float = 4.0
    recompression_permutations: int = 200
    recompression_max_p: float = 0.01
    recompression_min_frames: int = 60
    recompression_min_repeats: int = 8
    # The frame pass decodes the whole stream: it may take --timeout plus this
    # many seconds per second of video (ffprobe decoded 3 min of 1080p in 20 s,
    # 0.11 s a second, on the development machine; slow disks get ample room).
    frame_pass_seconds_per_second: float = 1.0
    # Encoder settings strings longer than this are cut (they run to ~1 kB).
    encoder_string_max: int = 4096


@dataclasses.dataclass(frozen=True)
class AudioConfig:
    """Audio fingerprints (`verify.audio`): spectral-peak landmarks."""

    # Sound is fingerprinted at 8 kHz mono: up to 4 kHz is what survives a
    # 32 kb/s voice-message encoding, and it is 6x fewer samples than 48 kHz.
    rate: int = 8000
    # Hann windows of 128 ms, 32 ms apart: a landmark's time is known to 32 ms,
    # well inside the 0.1 s an offset must be exact to.
    window: int = 1024
    hop: int = 256
    # Bins 8-480 (62 Hz to 3.75 kHz): below, hum and wind; above, what low
    # bit-rate encoders drop first.
    min_bin: int = 8
    max_bin: int = 480
    # A peak is the loudest point within 3 windows (0.1 s) and 6 bins (47 Hz)
    # either side, and peak_min_db (natural log of magnitude: e = 8.7 dB) above
    # its window's median; the strongest peaks_per_second are kept a second.
    # Each anchor pairs with the next fan_out peaks lying within
    # max_pair_windows (1.3 s; 6 bits) and max_pair_bins of it. Chosen on
    # generated tunes (tests/audio) through AAC at 32 kb/s, Opus, a mix at
    # -10 dB and a trim: of 16 settings, these kept the most landmarks
    # through every transform (2.4-4.5x the agreeing landmarks of 0.26 s, 12
    # bins and 5 pairs), and no unrelated tune matched under any of them.
    peak_reach_windows: int = 3
    peak_reach_bins: int = 6
    peak_min_db: float = 1.0
    peaks_per_second: int = 60
    slot_seconds: float = 1.0
    fan_out: int = 10
    max_pair_windows: int = 40
    max_pair_bins: int = 100
    # A match needs min_votes landmarks at one offset, min_score times as many
    # as at any other offset (chance meetings scatter); a segment is a run of
    # agreeing landmarks with gaps under max_gap_s, min_segment_votes of them.
    min_votes: int = 20
    min_score: float = 3.0
    max_gap_s: float = 2.0
    min_segment_votes: int = 8
    # The bank posts a landmark (for lookups) when its hash is a multiple of
    # posting_modulus, and a clip looks up only such hashes of its own: one
    # in four, so a bank's sound postings (~150 landmarks a second of
    # speech) stay near its frame postings, while a copy still shares dozens
    # (a 3 s excerpt through AAC at 32 kb/s shares ~100 landmarks, ~25 of
    # them posted). Every landmark is stored and aligned.
    posting_modulus: int = 4
    # The videos sharing the most posted landmarks (at least
    # candidate_min_votes) are aligned in full, at most candidate_limit.
    candidate_min_votes: int = 3
    candidate_limit: int = 20
    # Sound and picture of one known video agree when their offsets (known
    # seconds minus clip seconds) differ by at most agree_s: a picture
    # segment's offset is known to about a quarter second (the bank keeps
    # two frames a second), the sound's to 32 ms.
    agree_s: float = 0.5


INSPECT = InspectConfig()
HASH = HashConfig()
QUERY_HASH = dataclasses.replace(HASH, frame_pdq=False)  # see HashConfig.frame_pdq
MATCH = MatchConfig()
BATCH = BatchConfig()
LISTS = ListConfig()
TIMELINE = TimelineConfig()
AUDIO = AudioConfig()
