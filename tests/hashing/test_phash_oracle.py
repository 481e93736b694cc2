"""Our numpy pHash and dHash against imagehash's, the reference, on real frames.

`verify.hashing.phash` reproduces Pillow's Lanczos reduction (its
fixed-point arithmetic and, from Pillow 13, its choice of which pass runs
first) and imagehash's DCT, so that hashes stay what imagehash gives and a
bank built with either agrees. Frames come from the committed real footage
and samples, whole and cropped (the crops the forms take, and odd ones).
Near-uniform pictures are left out: their DCT is rounding noise, and they
never count as evidence.
"""

from __future__ import annotations

import imagehash
import numpy as np
import PIL
import pytest
from PIL import Image

from tests.conftest import ROOT
from verify.hashing.normalise import is_uniform
from verify.hashing.phash import FrameHash, centre_crop, dhash, phash
from verify.media.decode import decode_frames
from verify.media.sampling import Sampling

CLIPS = [*sorted((ROOT / "bench" / "footage").glob("*.mp4")), ROOT / "samples" / "original.mov"]
# Pillow 13 runs the vertical pass first for tall images; older ones never do.
EXACT = int(PIL.__version__.split(".")[0]) >= 13


@pytest.fixture(scope="module")
def pictures() -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    out = []
    for clip in CLIPS:
        for frame in list(decode_frames(clip, Sampling.parse("fps=1"), 160))[:6]:
            grey = frame.pixels
            height, width = grey.shape
            out += [grey, centre_crop(grey, 0.85), centre_crop(grey, 0.7), grey[:, ::-1]]
            x0, y0 = rng.integers(0, width // 3), rng.integers(0, height // 3)
            x1, y1 = rng.integers(2 * width // 3, width), rng.integers(2 * height // 3, height)
            out.append(grey[y0:y1, x0:x1])
    return [np.ascontiguousarray(p) for p in out if not is_uniform(np.ascontiguousarray(p))]


def reference(picture: np.ndarray, function) -> int:
    return FrameHash.from_image_hash(function(Image.fromarray(picture))).value


@pytest.mark.parametrize(("ours", "theirs"), [(phash, imagehash.phash), (dhash, imagehash.dhash)])
def test_hashes_equal_imagehash(pictures, ours, theirs):
    assert len(pictures) >= 200
    bits = [(ours(p).value ^ reference(p, theirs)).bit_count() for p in pictures]
    if EXACT:
        assert max(bits) == 0, np.bincount(bits)
    else:
        assert np.mean(bits) < 0.5 and max(bits) <= 8
