"""`verify analyse`: edits made here with ffmpeg are found where they were made
(within 0.1 s), and clean files raise no splice indicators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_ffmpeg, sha256_of, validate
from verify import analyse_file
from verify.forensics.indicators import Kind

X264 = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")


def gop(keyint: int, extra: str = "") -> tuple[str, ...]:
    return ("-x264-params", f"keyint={keyint}:min-keyint={keyint}:scenecut=0{extra}")


def source(rate: int = 30, seconds: float = 6, pattern: str = "testsrc2") -> tuple[str, ...]:
    return ("-f", "lavfi", "-i", f"{pattern}=size=320x240:rate={rate}", "-t", str(seconds))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> dict[str, Path]:
    """Every test file, made once: name -> path."""
    folder = tmp_path_factory.mktemp("timeline")
    out = {name: folder / f"{name}.mp4" for name in (
        "clean", "part_a", "part_b", "splice", "removed", "r30", "r15", "rates", "platform",
        "head", "middle", "tail", "inserted", "sound_hole", "frozen",
    )}  # fmt: skip
    sine = ("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000")
    run_ffmpeg(ffmpeg, *source(), *sine, "-t", "6", *X264, *gop(30), "-c:a", "aac", out["clean"])
    # Two encodings joined without re-encoding: other settings, another GOP, at 3.0 s.
    run_ffmpeg(ffmpeg, *source(seconds=3), *X264, *gop(30), "-crf", "20", out["part_a"])
    run_ffmpeg(ffmpeg, *source(seconds=3, pattern="mandelbrot"), *X264,
               *gop(12, ":bframes=0"), "-crf", "26", out["part_b"])  # fmt: skip
    concat(ffmpeg, folder, out["splice"], out["part_a"], out["part_b"])
    # One second (2.0-3.0 s) cut out, the rest keeping its timestamps.
    run_ffmpeg(ffmpeg, "-i", out["clean"], "-vf", "select='not(between(t,2,2.99))'",
               "-fps_mode", "passthrough", *X264, *gop(30), "-an", out["removed"])  # fmt: skip
    # 3 s at 30 fps, then 3 s at 15 fps, one encoder's settings.
    run_ffmpeg(ffmpeg, *source(seconds=3), *X264, *gop(30), out["r30"])
    run_ffmpeg(ffmpeg, *source(rate=15, seconds=3), *X264, *gop(30), out["r15"])
    concat(ffmpeg, folder, out["rates"], out["r30"], out["r15"])
    # A platform's re-encode of the clean file: smaller, its own GOP.
    run_ffmpeg(ffmpeg, "-i", out["clean"], *X264, "-crf", "30", "-vf", "scale=240:-2",
               "-c:a", "aac", "-b:a", "48k", out["platform"])  # fmt: skip
    # 3.0-5.0 s of a 9 s recording encoded with other settings, between parts
    # encoded as the rest was.
    master = folder / "master.mkv"
    run_ffmpeg(ffmpeg, *source(seconds=9), "-c:v", "ffv1", master)
    for name, start, length, settings in (
        ("head", 0, 3, (*gop(30), "-crf", "23")),
        ("middle", 3, 2, (*gop(15), "-crf", "28")),
        ("tail", 5, 4, (*gop(30), "-crf", "23")),
    ):
        run_ffmpeg(ffmpeg, "-ss", str(start), "-t", str(length), "-i", master, *X264, *settings,
                   out[name])  # fmt: skip
    concat(ffmpeg, folder, out["inserted"], out["head"], out["middle"], out["tail"])
    # Sound with 1.0 s (3.0-4.0) taken out, its timestamps kept.
    run_ffmpeg(ffmpeg, "-i", out["clean"], "-c:v", "copy", "-af",
               "aselect='not(between(t,3,3.999))'", "-c:a", "aac", out["sound_hole"])  # fmt: skip
    # 2.0-3.0 s frozen on the frame at 2.0 s, then re-encoded.
    freeze = "[0:v]split[a][b];[a][b]freezeframes=first=60:last=89:replace=60[v]"
    run_ffmpeg(ffmpeg, "-i", out["clean"], "-filter_complex", freeze, "-map", "[v]", *X264,
               *gop(30), out["frozen"])  # fmt: skip
    return out


def concat(ffmpeg: str, folder: Path, target: Path, *parts: Path) -> None:
    listing = folder / f"{target.stem}.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    run_ffmpeg(ffmpeg, "-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", target)


def found(path: Path, kind: Kind) -> list[float]:
    return [i.time for i in analyse_file(path).indicators if i.kind is kind]


def test_clean_and_platform_files_raise_no_splice_indicator(made):
    for name in ("clean", "platform", "part_a", "r30"):
        timeline = analyse_file(made[name])
        assert not timeline.splices, (name, timeline.indicators)
        assert not [i for i in timeline.indicators if i.kind is not Kind.AV_OFFSET], name
    assert analyse_file(made["clean"]).gop.interval == 30


def test_a_splice_of_two_encodings_is_found_where_it_was_made(made):
    timeline = analyse_file(made["splice"])
    kinds = {i.kind for i in timeline.indicators}
    assert {Kind.GOP_CHANGE, Kind.ENCODER_CHANGE, Kind.SPLICE_CANDIDATE} <= kinds
    (splice,) = timeline.splices
    assert splice.time == pytest.approx(3.0, abs=0.1)
    (change,) = [i for i in timeline.indicators if i.kind is Kind.GOP_CHANGE]
    assert (change.evidence["interval_before"], change.evidence["interval_after"]) == (30, 12)
    (encoder,) = [i for i in timeline.indicators if i.kind is Kind.ENCODER_CHANGE]
    assert any(c.startswith("keyint 30 -> 12") for c in encoder.evidence["changed_options"])


def test_a_removed_second_is_a_timestamp_gap(made):
    (gap,) = [i for i in analyse_file(made["removed"]).indicators if i.kind is Kind.TIMESTAMP_GAP]
    assert gap.time == pytest.approx(2.0, abs=0.1)
    assert gap.end == pytest.approx(3.0, abs=0.1)
    assert gap.evidence["frames_missing"] == 30
    assert found(made["removed"], Kind.RATE_CHANGE) == []  # a gap is not a slower rate


def test_footage_of_another_rate_joined_on(made):
    timeline = analyse_file(made["rates"])
    (rate,) = [i for i in timeline.indicators if i.kind is Kind.RATE_CHANGE]
    assert rate.time == pytest.approx(3.0, abs=0.1)
    assert (rate.evidence["fps_before"], rate.evidence["fps_after"]) == (30.0, 15.0)
    # The same settings twice: a second encoding session, at the same place.
    assert found(made["rates"], Kind.ENCODER_RESTART) == [pytest.approx(3.0, abs=0.1)]
    assert found(made["rates"], Kind.TIMESTAMP_GAP) == []  # 15 fps steps are no gaps
    assert [s.time for s in timeline.splices] == [pytest.approx(3.0, abs=0.1)]


def test_an_inserted_re_encoded_section_is_bounded_on_both_sides(made):
    timeline = analyse_file(made["inserted"])
    assert [round(s.time, 1) for s in timeline.splices] == [3.0, 5.0]
    assert [round(t, 1) for t in found(made["inserted"], Kind.GOP_CHANGE)] == [3.0, 5.0]
    assert [round(t, 1) for t in found(made["inserted"], Kind.ENCODER_CHANGE)] == [3.0]
    # The tail's settings are the head's: the same string again, a new session.
    assert [round(t, 1) for t in found(made["inserted"], Kind.ENCODER_RESTART)] == [5.0]
    assert not found(made["inserted"], Kind.TIMESTAMP_GAP)


def test_a_hole_in_the_sound(made):
    (hole,) = [i for i in analyse_file(made["sound_hole"]).indicators if i.kind is Kind.AUDIO_GAP]
    assert hole.time == pytest.approx(3.0, abs=0.1)
    assert hole.evidence["gap_s"] == pytest.approx(1.0, abs=0.05)


def test_a_frozen_second(made):
    (frozen,) = [i for i in analyse_file(made["frozen"]).indicators if i.kind is Kind.FROZEN]
    assert frozen.time == pytest.approx(2.0, abs=0.1)
    assert frozen.end == pytest.approx(3.0, abs=0.1)
    assert not analyse_file(made["frozen"]).splices  # a still picture alone is no splice


def test_cuts_are_listed_and_a_cut_at_a_splice_is_part_of_it(made):
    timeline = analyse_file(made["splice"])
    assert [round(i.time, 1) for i in timeline.indicators if i.kind is Kind.CUT] == [3.0]
    assert "cut" in timeline.splices[0].evidence["indicators"]


def test_cli_json_follows_the_schema_and_leaves_the_file_alone(run_cli, made):
    before = sha256_of(made["splice"])
    result = run_cli("analyse", str(made["splice"]), str(made["clean"]), "--json")
    assert result.exit_code == 0, result.stderr
    documents = json.loads(result.stdout)
    validate(documents, "analyse")
    assert [d["splice_candidates"] for d in documents] == [1, 0]
    table = documents[0]["frame_table"]
    assert len(table["time"]) == len(table["size"]) == len(table["type"]) == 180
    assert sha256_of(made["splice"]) == before
    text = run_cli("analyse", str(made["clean"])).stdout
    assert "no indicators" in text


def test_bad_input_is_one_line_and_an_exit_code(run_cli, tmp_path, samples):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path, code in ((tmp_path / "missing.mp4", 3), (empty, 3), (samples / "truncated.mp4", 4)):
        result = run_cli("analyse", str(path))
        assert result.exit_code == code, (path, result.stderr)
        assert result.stderr.count("\n") == 1 and str(path.name) in result.stderr
        assert "Traceback" not in result.stderr


def test_hostile_settings_strings_stay_text(tmp_path, made, run_cli):
    """A settings string is the file's own text: control characters never reach a terminal."""
    crafted = tmp_path / "crafted.mp4"
    data = made["clean"].read_bytes()
    marker = data.index(b"x264 - core")
    hostile = b"x264 - core 1 \x1b[2J<script>alert(1)</script>\x07"
    crafted.write_bytes(data[:marker] + hostile + data[marker + len(hostile) :])
    timeline = analyse_file(crafted)
    assert all(" " <= c <= "~" for e in timeline.encoders for c in e.text)
    assert "\x1b" not in run_cli("analyse", str(crafted)).stdout


def test_the_report_carries_the_timeline_and_draws_it(run_cli, made, tmp_path):
    out = tmp_path / "report.json"
    result = run_cli("report", str(made["splice"]), "-o", str(out), "--html",
                     str(tmp_path / "report.html"), "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "report")
    timeline = document["forensics"]["timeline"]
    assert timeline["splice_candidates"] == 1 and "frame_table" not in timeline
    assert len(timeline["size_profile"]["max"]) <= 600
    assert "analysed" in [e["event"] for e in document["custody"]["events"]]
    page = out.with_suffix(".html").read_text("utf-8")
    assert "Inside the stream: 1 possible splice" in page
    assert "Frame sizes over time" in page


def test_settings_from_the_file_are_escaped_in_the_page(run_cli, made, tmp_path):
    """The options a second settings string lists come from the file: text in the page."""
    data = made["splice"].read_bytes()
    second = data.index(b"x264 - core", data.index(b"x264 - core") + 1)
    options = data.index(b"options:", second) + len(b"options:")
    crafted = tmp_path / "crafted.mp4"
    payload = b" aaa=<img/src=x/onerror=alert(1)>"
    crafted.write_bytes(data[:options] + payload + data[options + len(payload) :])
    out = tmp_path / "report.json"
    html = str(tmp_path / "report.html")
    assert run_cli("report", str(crafted), "-o", str(out), "--html", html).exit_code == 0
    page = out.with_suffix(".html").read_text("utf-8")
    assert "onerror=alert" in page  # shown ...
    assert "<img/src=x" not in page  # ... as text


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> dict[str, Path]:
    """Streams that bend the rules: no timestamps, a transport stream's clock, a size change."""
    folder = tmp_path_factory.mktemp("awkward")
    out: dict[str, Path] = {}
    raw = folder / "one.h264"
    run_ffmpeg(ffmpeg, *source(seconds=2), *X264, *gop(25), "-f", "h264", raw)
    out["raw"] = folder / "two.h264"  # two sessions back to back, no timestamps
    out["raw"].write_bytes(raw.read_bytes() * 2)
    parts = []
    for name, pattern, size in (("a", "testsrc2", "320x240"), ("b", "mandelbrot", "320x240"),
                                ("c", "mandelbrot", "640x360")):  # fmt: skip
        part = folder / f"{name}.ts"
        run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25", "-t", "2",
                   *X264, *gop(25), part)  # fmt: skip
        parts.append(part)
    out["ts"] = folder / "splice.ts"
    concat(ffmpeg, folder, out["ts"], parts[0], parts[1])
    out["resized"] = folder / "resized.mkv"
    concat(ffmpeg, folder, out["resized"], parts[1], parts[2])
    return out


def test_a_stream_without_timestamps_gives_valid_json(awkward, run_cli):
    result = run_cli("analyse", str(awkward["raw"]), "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    json.dumps(document, allow_nan=False)  # no NaN anywhere
    validate(document, "analyse")
    assert run_cli("analyse", str(awkward["raw"])).exit_code == 0  # the text too


def test_a_transport_stream_keeps_pictures_and_structure_on_one_clock(awkward):
    timeline = analyse_file(awkward["ts"])
    assert timeline.frames.pts[0] > 1.0  # the stream's own clock starts late
    (splice,) = timeline.splices
    assert "cut" in splice.evidence["indicators"]
    (cut,) = [i for i in timeline.indicators if i.kind is Kind.CUT]
    assert cut.time == pytest.approx(splice.time, abs=0.1)


def test_a_picture_size_change_is_a_cut(awkward):
    timeline = analyse_file(awkward["resized"])
    cuts = [i for i in timeline.indicators if i.kind is Kind.CUT]
    assert [c.evidence["size_change"] for c in cuts] == [True]
    assert cuts[0].time == pytest.approx(2.0, abs=0.1)


def test_a_black_stretch_is_not_a_frozen_picture(ffmpeg, tmp_path):
    clip = tmp_path / "black.mp4"
    graph = (
        "testsrc2=size=320x240:rate=30:duration=2[a];color=black:size=320x240:rate=30:duration=1[b];"
        "testsrc2=size=320x240:rate=30:duration=2[c];[a][b][c]concat=n=3:v=1[v]"
    )
    run_ffmpeg(ffmpeg, "-filter_complex", graph, "-map", "[v]", *X264, *gop(30), clip)
    assert found(clip, Kind.FROZEN) == []


def test_pictures_coded_with_other_parameters_are_found_where_they_begin(made):
    """Encodes at other rate settings carry another initial quantiser in their parameter
    sets: the change is found at each join (within 0.1 s), and one encoding has none."""

    def changes(name: str) -> list[tuple[float, int, int]]:
        return [(round(i.time, 1), i.evidence["before"], i.evidence["after"])
                for i in analyse_file(made[name]).indicators
                if i.kind is Kind.PARAMETER_CHANGE]  # fmt: skip

    assert changes("inserted") == [(3.0, 23, 28), (5.0, 28, 23)]
    assert changes("splice") == [(3.0, 20, 26)]
    for name in ("clean", "platform", "removed", "rates"):  # rates: the same settings twice
        assert changes(name) == [], name


def test_an_earlier_encodings_gop_shows_through_a_re_encode(ffmpeg, tmp_path):
    """Encoded once with a keyframe every 15 frames (no B-frames, as phones
    write), 7 frames dropped, re-encoded: the first encoding's keyframes sit
    at frames 8, 23, 38, ... of the re-encode. The single encode raises nothing.

    The pattern's seed is fixed: without one, each run drew another, and the
    pattern's own oscillators made the single encode show a period (6-19
    frames) in 4 of 30 seeds (1-30), while the re-encode was found in all 30."""
    life = ("-f", "lavfi", "-i", "life=s=320x240:mold=10:r=25:ratio=0.1:seed=1,format=yuv420p")
    first, second = tmp_path / "first.mp4", tmp_path / "second.mp4"
    run_ffmpeg(ffmpeg, *life, "-t", "16", *X264, *gop(15, ":bframes=0"), "-crf", "18", first)
    run_ffmpeg(ffmpeg, "-i", first, "-vf", "select=gte(n\\,7),setpts=N/FRAME_RATE/TB", *X264,
               "-x264-params", "bframes=0", "-crf", "23", second)  # fmt: skip
    assert found(first, Kind.RECOMPRESSION) == []
    [indicator] = [i for i in analyse_file(second).indicators if i.kind is Kind.RECOMPRESSION]
    assert indicator.evidence["period_frames"] == 15
    assert abs(indicator.time - 8 / 25) <= 0.1
    assert not analyse_file(second).splices  # a whole-file finding joins no splice
