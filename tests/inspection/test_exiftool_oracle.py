"""`verify inspect` against ExifTool on public camera, phone and editor files.

The expected values were read by ExifTool (``tests/data/metadata/expected.json``);
where ExifTool is installed, the first test checks they still are what it
reads. Every disagreement that remains is listed below with its reason: a
new one, or one that went away, fails the suite.
"""

from __future__ import annotations

import json

import pytest

from tests.inspection import oracle
from verify.errors import VerifyError
from verify.inspection.inspect import inspect_file

EXPECTED = json.loads(oracle.EXPECTED.read_text())
REQUIRED_AGREEMENT = 0.99

# (file, field) -> why verify and ExifTool differ there.
KNOWN = {
    ("exiftool/Pentax.avi", "time"): (
        "the AVI's IDIT chunk holds '2009/10/27 12:14:34'; ExifTool 12.57 shows 12:14:00"
    ),
    ("exiftool/QuickTime.mov", "make"): (
        "ExifTool reads the make from a Pentax maker note inside the QuickTime file; "
        "verify does not read maker notes"
    ),
    ("exiftool/Matroska.mkv", "size"): (
        "a 507-byte stub of Matroska headers: ffprobe cannot open it and verify has no "
        "Matroska reader of its own"
    ),
    ("exiftool/Matroska.mkv", "duration"): "the same stub",
    ("mei/heic_IllegalArgumentException.HeifReader.processBoxes.heif", "size"): (
        "a damaged HEIF (from metadata-extractor's fuzzing cases) that links no property to "
        "any item: ExifTool shows its last ispe, 240x160 (the first says 1440x960); verify "
        "reports no size rather than guess"
    ),
    ("mei/mts_Sony ILCE-7M3 (A7M3).mts", "duration"): (
        "ExifTool measures a transport stream from its first to its last clock reference "
        "(0.450 s), ffprobe to the end of the last frame (0.544 s)"
    ),
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict | str]:
    out: dict[str, dict | str] = {}
    for name in EXPECTED["files"]:
        try:
            out[name] = inspect_file(oracle.CORPUS / name).to_dict()
        except VerifyError as exc:
            out[name] = exc.message
    return out


def _disagreements(results) -> dict[tuple[str, str], tuple]:
    found = {}
    for name, expected in EXPECTED["files"].items():
        result = results[name]
        if isinstance(result, str):  # verify could not read it: wrong wherever ExifTool read
            facts = oracle.verify_facts_of_nothing()
            diffs = oracle.compare(expected, facts)
        else:
            diffs = oracle.compare(expected, result)
        found.update({(name, field): diff for field, diff in diffs.items() if diff})
    return found


def test_expected_values_are_what_exiftool_reads():
    version = oracle.exiftool_version()
    if version is None:
        pytest.skip("exiftool is not installed (Debian: libimage-exiftool-perl)")
    docs = oracle.run_exiftool(oracle.corpus_files())
    live = {name: oracle.exiftool_facts(doc) for name, doc in docs.items()}
    assert set(live) == set(EXPECTED["files"])
    changed = {n: (EXPECTED["files"][n], f) for n, f in live.items() if f != EXPECTED["files"][n]}
    assert not changed, f"ExifTool {version} now reads differently: {changed}"


def test_corpus_is_large_and_varied():
    kinds = {f["file_type"] for f in EXPECTED["files"].values()}
    assert len(EXPECTED["files"]) >= 300
    assert {"JPEG", "PNG", "Extended WEBP", "HEIC", "MOV", "MP4", "M2TS", "AVI"} <= kinds


@pytest.mark.parametrize("field", oracle.FIELDS)
def test_agreement_with_exiftool(results, field):
    found = _disagreements(results)
    wrong = {k: v for k, v in found.items() if k[1] == field}
    share = 1 - len(wrong) / len(EXPECTED["files"])
    assert share >= REQUIRED_AGREEMENT, f"{field}: {share:.3f} agree; {wrong}"


def test_remaining_disagreements_are_the_known_ones(results):
    found = _disagreements(results)
    assert set(found) == set(KNOWN), {
        "new": {k: found[k] for k in set(found) - set(KNOWN)},
        "gone": sorted(set(KNOWN) - set(found)),
    }


def test_no_false_position_and_no_false_absence(results):
    for name, expected in EXPECTED["files"].items():
        result = results[name]
        if isinstance(result, str):
            continue
        if result["capture"]["location"] is not None:
            assert expected["gps"] and not oracle.no_fix(expected), name
        codes = {f["code"] for f in result["flags"]}
        # A bare movie-header time is not capture metadata (verify says so too).
        told = expected["time"] and expected["time_tag"] != "QuickTime:CreateDate"
        if (name, "make") in KNOWN:
            continue
        if expected["make"] or expected["model"] or told:
            assert "capture_metadata_absent" not in codes, name
