"""Reading shared hash lists into a bank: `verify index import-hashes`.

Two formats: ``vpdq``, Meta's vPDQ file (one video a file); ``pytx``,
python-threatexchange's ``<signal_type> <signal>`` lines (``pdq``,
``video_md5``, ``video_vpdq``; a list of many). Every file is read and
checked before anything is written; then all its entries go in in one
transaction. An entry already in the bank for the same list is left as it is.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from verify.errors import InputError, display_path
from verify.hashing.vpdq import VpdqHash
from verify.lists.signals import parse_pytx
from verify.lists.stored import NewEntry, new_entry

FORMATS = ("vpdq", "pytx")
LIST_DOCUMENT_VERSION = "1.0"  # of `verify index import-hashes --json`
# A list file larger than this is refused rather than read into memory (a million
# vPDQ videos of a minute each are about 6 GB: split such lists).
MAX_LIST_BYTES = 2 << 30


@dataclasses.dataclass(frozen=True)
class ListImport:
    """What an import of hash-list files did."""

    list: str
    files: int
    entries: int
    added: int
    already_there: int

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": LIST_DOCUMENT_VERSION, "kind": "list_import",
                **dataclasses.asdict(self)}  # fmt: skip


def _read_text(path: str | os.PathLike[str]) -> str:
    try:
        size = os.stat(path).st_size
        if size > MAX_LIST_BYTES:
            raise InputError(
                f"{size:,} bytes is larger than a list this reads ({MAX_LIST_BYTES:,})", path
            )
        with open(path, "rb") as handle:
            raw = handle.read(MAX_LIST_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a list file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", path) from None


def read_list(path: str | os.PathLike[str], list_format: str, list_name: str) -> list[NewEntry]:
    """The entries of one list file, all checked; `InputError` naming the bad line."""
    if list_format not in FORMATS:
        raise InputError(f"unknown list format {list_format!r}", path)
    text = _read_text(path)
    name = display_path(path)
    if list_format == "vpdq":
        hashed = VpdqHash.from_text(text, name)
        if not hashed.features:
            raise InputError("no vPDQ lines in it", path)
        return [new_entry(list_name, "video_vpdq", hashed.to_text(), label=os.path.basename(name),
                          vpdq=hashed, md5=None)]  # fmt: skip
    entries = []
    for item in parse_pytx(text, name):
        label = f"{os.path.basename(name)}:{item.line}"
        if item.signal_type == "video_md5":
            entries.append(new_entry(list_name, item.signal_type, item.signal, label=label,
                                     vpdq=None, md5=item.signal))  # fmt: skip
        else:
            entries.append(new_entry(list_name, item.signal_type, item.signal, label=label,
                                     vpdq=item.vpdq, md5=None))  # fmt: skip
    if not entries:
        raise InputError("no signals in it", path)
    return entries


def import_lists(bank: Any, paths: list[str], list_format: str, list_name: str) -> ListImport:
    """Read every file, then store all their entries under ``list_name`` in one transaction."""
    if not list_name.strip():
        raise InputError("a list needs a name (--source)", None)
    entries = [entry for path in paths for entry in read_list(path, list_format, list_name)]
    added, already = bank.add_list_entries(entries)
    return ListImport(list_name, len(paths), len(entries), added, already)
