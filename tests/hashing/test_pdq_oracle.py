"""Our numpy PDQ against Meta's C++ reference (the ``pdqhash`` package builds it).

Pictures: RGB frames of the committed real footage and samples at their own
size, decoded by ffmpeg, whole and transformed (mirrored, cropped, turned,
shrunk, brightened, blurred), and the sample photo. Pictures whose quality
is under 10 are left out: their DCT coefficients are rounding noise around
the median, so single and double precision pick different bits, and vPDQ's
rule drops any frame under 50 anyway.
"""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT
from verify.hashing.fingerprint import fingerprint_video
from verify.hashing.pdq import PdqHash, pdq_hash

pdqhash = pytest.importorskip("pdqhash", reason="Meta's reference: pip install pdqhash")

CLIPS = [*sorted((ROOT / "bench" / "footage").glob("*.mp4")), ROOT / "samples" / "original.mov"]
FRAMES_PER_CLIP = 4
MIN_QUALITY = 10


def rgb_frames(ffmpeg: str, clip, count: int) -> list[np.ndarray]:
    probe = cv2.VideoCapture(str(clip))
    width, height = (
        int(probe.get(cv2.CAP_PROP_FRAME_WIDTH)),
        int(probe.get(cv2.CAP_PROP_FRAME_HEIGHT)),
    )
    probe.release()
    raw = subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(clip), "-vf", "fps=1", "-frames:v", str(count),
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, np.uint8)
    size = width * height * 3
    return [
        frames[i * size : (i + 1) * size].reshape(height, width, 3) for i in range(len(raw) // size)
    ]


def variants(picture: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    height, width = picture.shape[:2]
    y0, x0 = rng.integers(0, height // 4), rng.integers(0, width // 4)
    return [
        picture,
        picture[:, ::-1],
        picture[y0 : y0 + height // 2, x0 : x0 + width // 2],
        np.rot90(picture),
        cv2.resize(picture, (width // 3, height // 3), interpolation=cv2.INTER_AREA),
        np.clip(picture.astype(np.int16) + 40, 0, 255).astype(np.uint8),
        cv2.GaussianBlur(picture, (0, 0), 2),
    ]


@pytest.fixture(scope="module")
def pictures(ffmpeg) -> list[np.ndarray]:
    rng = np.random.default_rng(17)
    out = [cv2.cvtColor(cv2.imread(str(ROOT / "samples" / "photo.jpg")), cv2.COLOR_BGR2RGB)]
    for clip in CLIPS:
        for frame in rgb_frames(ffmpeg, clip, FRAMES_PER_CLIP):
            out += variants(frame, rng)
    return [np.ascontiguousarray(p) for p in out]


def reference(picture: np.ndarray) -> PdqHash:
    bits, quality = pdqhash.compute(picture)
    return PdqHash(int("".join(str(int(b)) for b in bits), 2), int(quality))


def test_pdq_agrees_with_meta_reference(pictures):
    compared = []
    for picture in pictures:
        theirs = reference(picture)
        ours = pdq_hash(picture)
        assert ours.quality == theirs.quality, picture.shape
        if theirs.quality >= MIN_QUALITY:
            compared.append(ours - theirs)
    histogram = np.bincount(compared)
    assert len(compared) >= 250, len(compared)
    assert max(compared) <= 2, histogram
    assert histogram[0] >= 0.9 * len(compared), histogram


def test_hex_form_round_trips_and_distance_counts_bits():
    value = PdqHash.from_hex("f" * 60 + "0000", 77)
    assert str(value) == "f" * 60 + "0000" and value.quality == 77
    assert value - PdqHash(0) == 240
    for bad in ("abc", "g" * 64, "0" * 65):
        with pytest.raises(ValueError):
            PdqHash.from_hex(bad)


def test_frame_pdq_form_agrees_with_meta_reference():
    """The PDQ form of every frame `fingerprint_video` hashes (grey, working size,
    bars cropped) against Meta's C++ on the same picture."""
    compared, count = [], 0
    for clip in CLIPS:
        pictures = {}
        result = fingerprint_video(
            clip, "fps=1", pictures=lambda t, p, into=pictures: into.__setitem__(t, p)
        )
        for frame in result.frames:
            grey = pictures[frame.time]
            theirs = reference(np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2)))
            assert frame.forms.pdq.quality == theirs.quality
            count += 1
            if theirs.quality >= MIN_QUALITY:
                compared.append(frame.forms.pdq - theirs)
    histogram = np.bincount(compared)
    assert len(compared) >= 50, count
    assert max(compared) <= 2, histogram
    assert histogram[0] >= 0.9 * len(compared), histogram
