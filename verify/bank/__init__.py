"""The bank of known copies: the storage interface (`store`) and its SQLite implementation.

`open_bank` is how the rest of `verify` opens a bank; matching sees only the
`BankStore` interface.
"""

from __future__ import annotations

import os

from verify.bank.sqlite import SqliteBank
from verify.bank.store import AddResult, BankStore, KnownVideo, default_bank_path


def open_bank(
    path: str | os.PathLike[str] | None = None, *, create: bool = True, readonly: bool = False
) -> BankStore:
    """Open the bank at ``path`` (default `default_bank_path`); `BankError` if it is unusable.

    ``create``: make a new bank if there is none; ``readonly``: never write
    (an older bank is still upgraded once, if its file is writable).
    """
    return SqliteBank(
        default_bank_path() if path is None else path, create=create, readonly=readonly
    )


__all__ = ["AddResult", "BankStore", "KnownVideo", "SqliteBank", "default_bank_path", "open_bank"]
