"""`verify.numeric` gives numpy's medians, percentiles and distinct values, without
importing numpy.ma."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verify.numeric import distinct, median, percentile

values = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=9),
    elements=st.floats(-1e6, 1e6),
)


@given(values, st.integers(0, 2))
def test_median_equals_numpy(array: np.ndarray, axis: int) -> None:
    axis = axis % array.ndim
    assert np.array_equal(median(array, axis=axis), np.median(array, axis=axis))


@given(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=9),
        elements=st.floats(-1e4, 1e4, width=32),
    ),
    st.integers(0, 1),
)
def test_a_float32_median_is_numpys_to_the_bit(array: np.ndarray, axis: int) -> None:
    # The sound's peak floor compares float32 levels with it (verify.audio.landmarks).
    axis = axis % array.ndim
    found, expected = median(array, axis=axis), np.median(array, axis=axis)
    assert found.dtype == expected.dtype and np.array_equal(found, expected)


@given(values, st.floats(0, 100), st.integers(0, 2))
def test_percentile_equals_numpy(array: np.ndarray, q: float, axis: int) -> None:
    axis = axis % array.ndim
    assert np.array_equal(percentile(array, q, axis=axis), np.percentile(array, q, axis=axis))


@given(
    hnp.arrays(
        st.sampled_from([np.uint64, np.uint32, np.int64]),
        hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=12),
        elements=st.integers(0, 6),
    )
)
def test_distinct_equals_numpy(array: np.ndarray) -> None:
    found = distinct(array)
    assert found.dtype == array.dtype
    assert np.array_equal(found, np.unique(array))


def test_empty_is_an_error() -> None:
    with pytest.raises(ValueError):
        median(np.zeros(0))
    with pytest.raises(ValueError):
        percentile(np.zeros((3, 0)), 50)


SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "original.mov"


def test_hashing_a_file_imports_no_numpy_ma() -> None:
    script = (
        "import sys; from verify import fingerprint_video; "
        f"fingerprint_video({str(SAMPLE)!r}, 'fps=2'); "
        "print('numpy.ma' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_sound_and_rate_matching_import_no_numpy_ma() -> None:
    # The callers themselves: a sound's landmarks and their postings, and a rate fit.
    script = (
        "import sys, numpy as np\n"
        "from verify.audio.landmarks import AudioFingerprint, fingerprint_samples\n"
        "from verify.hashing.forms import FrameTable\n"
        "from verify.matching.offsets import playback_rate\n"
        "from verify.matching.pairs import Pairs\n"
        "rng = np.random.default_rng(1)\n"
        "sound = fingerprint_samples(rng.standard_normal(16000 * 3).astype(np.float32))\n"
        "assert isinstance(sound, AudioFingerprint) and sound.count > 0\n"
        "sound.posted()\n"
        "times = np.arange(0, 10, 0.25)\n"
        "flags = np.ones(times.size, bool), np.zeros(times.size, bool)\n"
        "table, known = FrameTable(times, {}, *flags), FrameTable(times * 1.1, {}, *flags)\n"
        "index = np.arange(times.size)\n"
        "pairs = Pairs(index, index, np.zeros(times.size, np.int16))\n"
        "assert playback_rate(table, known, pairs) == 1.1\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
