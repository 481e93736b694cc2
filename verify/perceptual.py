"""Perceptual hashes of frames: 64-bit pHash for matching, dHash alongside.

A hash is a value: ``str()`` gives 16 hex digits, `FrameHash.from_hex` reads
them back, and ``a - b`` is the Hamming distance (the number of differing
bits, 0..64), as with imagehash's own ``ImageHash``. We keep the bits in an
int so hashes store compactly in SQLite and compare with one XOR.
"""

from __future__ import annotations

import dataclasses

import imagehash
import numpy as np
from PIL import Image

HASH_BITS = 64


@dataclasses.dataclass(frozen=True, order=True)
class FrameHash:
    """A 64-bit perceptual hash."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << HASH_BITS:
            raise ValueError(f"a frame hash has {HASH_BITS} bits: {self.value!r}")

    @classmethod
    def from_hex(cls, text: str) -> FrameHash:
        if len(text) != HASH_BITS // 4:
            raise ValueError(f"expected {HASH_BITS // 4} hex digits, got {text!r}")
        return cls(int(text, 16))

    @classmethod
    def from_image_hash(cls, image_hash: imagehash.ImageHash) -> FrameHash:
        bits = image_hash.hash.flatten()
        return cls(int("".join("1" if b else "0" for b in bits), 2))

    def __str__(self) -> str:
        return f"{self.value:016x}"

    def __sub__(self, other: FrameHash) -> int:
        return (self.value ^ other.value).bit_count()

    @property
    def signed(self) -> int:
        """The bits as a signed 64-bit integer, the form SQLite stores."""
        return self.value - (1 << HASH_BITS) if self.value >= 1 << (HASH_BITS - 1) else self.value

    @classmethod
    def from_signed(cls, number: int) -> FrameHash:
        return cls(number + (1 << HASH_BITS) if number < 0 else number)


def phash(grey: np.ndarray) -> FrameHash:
    """pHash (DCT of a 32x32 reduction) of a 2-D uint8 grey image."""
    return FrameHash.from_image_hash(imagehash.phash(Image.fromarray(grey)))


def dhash(grey: np.ndarray) -> FrameHash:
    """dHash (horizontal gradient signs of a 9x8 reduction) of a grey image."""
    return FrameHash.from_image_hash(imagehash.dhash(Image.fromarray(grey)))


# Extra pHashes of each frame that make matching survive common edits:
# - centre85: a copy cropped by up to ~15 % shows what the original's centre
#   85 % shows, so a cropped copy's full-frame hash meets this one;
# - centre70: logos, captions and tickers sit at the edges; the centre 70 %
#   of a branded copy still equals the original's centre 70 %;
# - mirror, mirror_centre70: re-uploaders flip footage horizontally to dodge
#   matching; comparing the mirrored hash undoes that;
# - inset: the footage window of a picture-in-picture frame (a news programme
#   showing the video in part of the screen), else the frame inside bars of
#   its own (one pillarboxed part of a compilation); equal to the full-frame
#   hash when there is neither.
VARIANTS = ("centre85", "centre70", "mirror", "mirror_centre70", "inset")


def centre_crop(grey: np.ndarray, fraction: float) -> np.ndarray:
    """The central ``fraction`` of an image in both dimensions."""
    height, width = grey.shape[:2]
    keep_h, keep_w = max(1, round(height * fraction)), max(1, round(width * fraction))
    top, left = (height - keep_h) // 2, (width - keep_w) // 2
    return grey[top : top + keep_h, left : left + keep_w]


def hash_variants(
    grey: np.ndarray, full: FrameHash, inset: np.ndarray | None = None
) -> dict[str, FrameHash]:
    """pHashes of the centre crops, the mirror image and the inset of a grey frame.

    ``full`` is the frame's own pHash, which stands for the inset when there is none.
    """
    mirrored = np.ascontiguousarray(grey[:, ::-1])
    return {
        "inset": phash(np.ascontiguousarray(inset)) if inset is not None else full,
        "centre85": phash(np.ascontiguousarray(centre_crop(grey, 0.85))),
        "centre70": phash(np.ascontiguousarray(centre_crop(grey, 0.70))),
        "mirror": phash(mirrored),
        "mirror_centre70": phash(np.ascontiguousarray(centre_crop(mirrored, 0.70))),
    }
