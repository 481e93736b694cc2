"""The hash forms of a frame, as one value, and a video's frames as one table.

A frame is hashed several ways (imagehash's ``ImageMultiHash`` holds several
hashes of one image in the same spirit): its full picture, centre crops, the
mirror image, a picture-in-picture window, the part above a lower third.
`Form` names each and knows its crop, whether the bank indexes it, whether a
clip looks it up, and which known forms it is compared with. `FrameForms`
holds all forms of one frame, and its PDQ form: the 256-bit hash that shared
hash lists exchange (`verify.hashing.pdq`), of the same picture, with its
quality; reported with the frame, not matched against the bank. `FrameTable`
holds a video's frames as arrays, the shape matching works on and the bank
hands out.
Frames serialise to JSON one way only (`FrameForms.to_dict`), used by
``verify hash --json``, reports and batch rows alike; the bank packs a
`FrameTable` in its own binary rows (`verify.bank.sqlite`).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from verify import numeric
from verify.hashing.pdq import PdqHash, pdq_stack
from verify.hashing.phash import (
    FrameHash,
    centre_crop,
    dhash_stack,
    phash_cells,
    phash_of_cells,
    phash_stack,
)


class Form(enum.Enum):
    """One way of hashing a frame; the value is its name in JSON and in the bank."""

    PHASH = "phash"  # the full picture (inside the video's bars)
    DHASH = "dhash"  # gradient hash of the full picture, kept as evidence, not matched
    # A copy cropped by up to ~15 % shows the original's centre 85 %, so a
    # cropped copy's full-frame hash meets this one.
    CENTRE85 = "centre85"
    # Logos, captions and tickers sit at the edges; the centre 70 % of a
    # branded copy still equals the original's centre 70 %.
    CENTRE70 = "centre70"
    # Re-uploaders flip footage horizontally to dodge matching; comparing the
    # mirrored hashes undoes that.
    MIRROR = "mirror"
    MIRROR_CENTRE70 = "mirror_centre70"
    # The footage window of a picture-in-picture frame (found per shot); equal
    # to the full-frame hash when there is none. (Bars, also found per shot,
    # are cropped before any form: one pillarboxed part of a compilation.)
    INSET = "inset"
    # The top 75 %, above a news channel's lower third (a caption bar, a
    # ticker), which moves the full frame's and even the centre's hash by
    # 20-30 bits on plain footage.
    UPPER = "upper"
    # The clip seen through a framing that shows the known centre 70 % (an
    # off-centre crop, see verify.matching.reframe): computed while matching,
    # never stored.
    WINDOW = "window"
    # The clip seen through the panel of a picture made of several (an inset
    # over moving video, a half of a split screen) that shows one known
    # video (see verify.matching.panels): computed while matching, never stored.
    PANEL = "panel"

    @property
    def stored(self) -> bool:
        """Kept with every frame (JSON, bank, batch rows)."""
        return self not in (Form.WINDOW, Form.PANEL)

    @property
    def indexed(self) -> bool:
        """Entered in the bank's postings, so that a clip's lookups find it."""
        return self in INDEXED_FORMS

    @property
    def probed(self) -> bool:
        """Looked up in the postings for a clip's probe frames."""
        return self in PROBED_FORMS

    @property
    def mirrored(self) -> bool:
        """A hash of the mirror image, compared when a clip is tried mirrored."""
        return self in (Form.MIRROR, Form.MIRROR_CENTRE70)

    @property
    def compared_with(self) -> tuple[Form, ...]:
        """The known video's forms this clip form is compared with."""
        return _PAIRINGS.get(self, ())


# The forms every frame carries, in the order the bank's rows and JSON keep them.
STORED_FORMS = tuple(f for f in Form if f.stored)
# The variants: every stored form but the two whole-picture hashes.
VARIANT_FORMS = tuple(f for f in STORED_FORMS if f not in (Form.PHASH, Form.DHASH))
# The full frame, its centre 85 % (a cropped copy's full frame shows that
# centre), its centre 70 % (what a copy with captions or logos at the edges
# still shares) and a picture-in-picture window (the same keys as the full
# frame when there is none).
INDEXED_FORMS = (Form.PHASH, Form.CENTRE85, Form.CENTRE70, Form.INSET)
# Full frame, centre 70 %, each also mirrored, and the picture-in-picture window.
PROBED_FORMS = (Form.PHASH, Form.MIRROR, Form.INSET, Form.CENTRE70, Form.MIRROR_CENTRE70)
_PAIRINGS = {
    Form.PHASH: (Form.PHASH, Form.CENTRE85, Form.INSET),
    Form.CENTRE70: (Form.CENTRE70,),
    Form.MIRROR: (Form.PHASH, Form.CENTRE85),
    Form.MIRROR_CENTRE70: (Form.CENTRE70,),
    Form.INSET: (Form.PHASH,),  # picture-in-picture, either way round (see PHASH)
    Form.UPPER: (Form.UPPER,),  # a lower third over the copy
    Form.WINDOW: (Form.CENTRE70,),  # an off-centre crop, reframed
    Form.PANEL: (Form.PHASH, Form.CENTRE85),  # the known picture, whole or cropped
}
UPPER_FRACTION = 0.75  # the upper form's share of the picture's height


def pairings(
    clip: Iterable[Form], known: Iterable[Form], *, mirrored: bool
) -> list[tuple[Form, Form]]:
    """(clip form, known form) pairs to compare, of the forms both sides have.

    One way round the clip's plain forms are compared, the other way its
    mirrored ones; a frame pair counts by its closest pairing.
    """
    have = set(known)
    return [(a, b) for a in clip if a.mirrored == mirrored for b in a.compared_with if b in have]


@dataclasses.dataclass(frozen=True)
class FrameForms(Mapping[Form, FrameHash]):
    """Every stored form of one frame (`STORED_FORMS`), as `FrameHash` values, and the
    frame's PDQ (None for frames hashed before it was a form)."""

    hashes: tuple[FrameHash, ...]
    pdq: PdqHash | None = None

    def __post_init__(self) -> None:
        if len(self.hashes) != len(STORED_FORMS):
            raise ValueError(f"a frame has {len(STORED_FORMS)} forms, got {len(self.hashes)}")

    @classmethod
    def of(cls, values: Mapping[Form, FrameHash], pdq: PdqHash | None = None) -> FrameForms:
        return cls(tuple(values[f] for f in STORED_FORMS), pdq)

    def __getitem__(self, form: Form) -> FrameHash:
        return self.hashes[_POSITION[form]]

    def __iter__(self) -> Iterator[Form]:
        return iter(STORED_FORMS)

    def __len__(self) -> int:
        return len(STORED_FORMS)

    def to_dict(self) -> dict[str, Any]:
        """``{"phash": hex, "dhash": hex, "variants": {name: hex}, "pdq": {"hash": hex,
        "quality": 0-100} or None}``."""
        return {
            "phash": str(self[Form.PHASH]),
            "dhash": str(self[Form.DHASH]),
            "variants": {f.value: str(self[f]) for f in VARIANT_FORMS},
            "pdq": None if self.pdq is None else self.pdq.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FrameForms:
        variants = data["variants"]
        values = {Form.PHASH: data["phash"], Form.DHASH: data["dhash"]}
        values |= {f: variants[f.value] for f in VARIANT_FORMS}
        pdq = data.get("pdq")
        return cls.of(
            {f: FrameHash.from_hex(v) for f, v in values.items()},
            None if pdq is None else PdqHash.from_dict(pdq),
        )


_POSITION = {form: i for i, form in enumerate(STORED_FORMS)}


def frame_forms(grey: np.ndarray, inset: np.ndarray | None = None) -> FrameForms:
    """Every stored form of a grey frame (bars already cropped).

    ``inset`` is the frame's picture-in-picture window, if it has one; the
    full picture stands for it otherwise.
    """
    insets = None if inset is None else inset[None]
    return stack_forms(grey[None], insets)[0]


# Frames hashed together by `stack_forms`. Each form makes float copies of its
# frames; a chunk's stay in the processor's cache and reuse the memory the last
# chunk's freed, where a whole shot's are paged in afresh (242 frames of 160x90:
# 166 ms at once, 86-89 ms in chunks of 16-64; the same hashes).
_FORMS_CHUNK = 32


def stack_forms(
    greys: np.ndarray, insets: np.ndarray | None = None, *, pdq: bool = True
) -> list[FrameForms]:
    """`frame_forms` of a stack of same-sized frames (n, rows, columns), a shot's,
    hashed together: each form is a few matrix products for a chunk of the stack.
    ``pdq``: whether the frames get their PDQ too (see `HashConfig.frame_pdq`)."""
    forms: list[FrameForms] = []
    for start in range(0, len(greys), _FORMS_CHUNK):
        end = start + _FORMS_CHUNK
        chunk_insets = None if insets is None else insets[start:end]
        forms += _chunk_forms(greys[start:end], chunk_insets, pdq=pdq)
    return forms


def _chunk_forms(greys: np.ndarray, insets: np.ndarray | None, *, pdq: bool) -> list[FrameForms]:
    upper = greys[:, : max(1, round(greys.shape[1] * UPPER_FRACTION))]
    # Mirrored forms from the mirrored reductions (see `phash_cells`): the same bits
    # as hashing the mirrored pictures, for one reduction fewer each.
    cells = phash_cells(greys)
    full = phash_of_cells(cells)
    centre = centre_crop(greys, 0.70)
    centre_cells = phash_cells(centre)
    if (greys.shape[2] - centre.shape[2]) % 2 == 0:  # the crop is as wide on either side
        mirror_centre = phash_of_cells(centre_cells[..., ::-1])
    else:  # one column off centre: the mirror's own centre crop is another one
        mirror_centre = phash_stack(centre_crop(greys[:, :, ::-1], 0.70))
    columns = {
        Form.PHASH: full,
        Form.DHASH: dhash_stack(greys),
        Form.CENTRE85: phash_stack(centre_crop(greys, 0.85)),
        Form.CENTRE70: phash_of_cells(centre_cells),
        Form.MIRROR: phash_of_cells(cells[..., ::-1]),
        Form.MIRROR_CENTRE70: mirror_centre,
        Form.INSET: phash_stack(insets) if insets is not None else full,
        Form.UPPER: phash_stack(upper),
    }
    rows = np.stack([columns[f] for f in STORED_FORMS], axis=1)
    pdqs = pdq_stack(greys) if pdq else [None] * len(greys)
    return [
        FrameForms(tuple(FrameHash(int(v)) for v in row), frame_pdq)
        for row, frame_pdq in zip(rows.tolist(), pdqs, strict=True)
    ]


@dataclasses.dataclass(frozen=True)
class FrameTable:
    """One video's frames as arrays: what matching compares and the bank stores.

    ``forms`` maps each form the frames have to a uint64 array; a form may be
    missing (frames stored before it existed, or the query-only `Form.WINDOW`).
    """

    time: np.ndarray  # float64 seconds
    forms: dict[Form, np.ndarray]
    usable: np.ndarray  # bool: False for near-uniform frames (black, fades)
    keyframe: np.ndarray  # bool

    @property
    def size(self) -> int:
        return int(self.time.size)

    @classmethod
    def of_frames(cls, frames: Iterable[Any]) -> FrameTable:
        """From `verify.hashing.fingerprint.HashedFrame` values."""
        frames = list(frames)
        return cls(
            np.array([f.time for f in frames], np.float64),
            {
                form: np.array([f.forms[form].value for f in frames], np.uint64)
                for form in STORED_FORMS
            },
            np.array([not f.uniform for f in frames], bool),
            np.array([f.keyframe for f in frames], bool),
        )

    def take(self, which: np.ndarray | slice) -> FrameTable:
        """The frames ``which`` (indices, a mask or a slice)."""
        return FrameTable(
            self.time[which],
            {form: column[which] for form, column in self.forms.items()},
            self.usable[which],
            self.keyframe[which],
        )

    @classmethod
    def joined(cls, tables: Sequence[FrameTable]) -> FrameTable:
        """Several tables' frames one after another; the forms all of them have."""
        if not tables:
            none = np.zeros(0, bool)
            return cls(np.zeros(0, np.float64), {}, none, none)
        forms = [f for f in tables[0].forms if all(f in t.forms for t in tables)]
        return cls(
            np.concatenate([t.time for t in tables]),
            {f: np.concatenate([t.forms[f] for t in tables]) for f in forms},
            np.concatenate([t.usable for t in tables]),
            np.concatenate([t.keyframe for t in tables]),
        )

    def with_form(self, form: Form, hashes: np.ndarray) -> FrameTable:
        """These frames with one more form (e.g. `Form.WINDOW` through a framing)."""
        return dataclasses.replace(self, forms={**self.forms, form: hashes})

    def indexed_hashes(self, forms: Iterable[Form] = INDEXED_FORMS) -> list[int]:
        """The usable frames' hashes of ``forms`` (by default every indexed one: what
        the postings hold)."""
        usable = self.usable
        return [int(v) for f in forms if f in self.forms for v in self.forms[f][usable]]

    @functools.cached_property
    def interval(self) -> float:
        """The typical spacing of the frames' times (0.5 s for the bank's fps=2); 1 s if unknown."""
        if self.time.size < 2:
            return 1.0
        return float(numeric.median(np.diff(np.sort(self.time))))
