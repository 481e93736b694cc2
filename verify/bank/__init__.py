"""The bank of known copies: the storage interface (`store`) and its SQLite implementation.

`open_bank` is how the rest of `verify` opens a bank; matching sees only the
`BankStore` interface.
"""

from __future__ import annotations

import os

from verify.bank.sqlite import SqliteBank
from verify.bank.store import (
    AddResult,
    BankStore,
    KnownVideo,
    default_bank_path,
    is_url,
    masked_url,
)


def open_bank(
    location: str | os.PathLike[str] | None = None, *, create: bool = True, readonly: bool = False
) -> BankStore:
    """Open the bank at ``location`` (default `default_bank_path`); `BankError` if unusable.

    ``location`` is an SQLite file or a ``postgresql://`` URL (a team bank on
    a server). ``create``: make a new bank if there is none; ``readonly``:
    never write (an older bank is still upgraded once, if it is writable).
    """
    where = default_bank_path() if location is None else location
    if is_url(where):
        from verify.bank.postgres import PostgresBank

        return PostgresBank(str(where), create=create, readonly=readonly)
    return SqliteBank(where, create=create, readonly=readonly)


def bank_label(location: str | os.PathLike[str]) -> str:
    """How a bank is named to people and in files: a path, or a URL without its password."""
    return masked_url(location) if is_url(location) else os.fspath(location)


__all__ = [
    "AddResult", "BankStore", "KnownVideo", "SqliteBank", "bank_label", "default_bank_path",
    "is_url", "open_bank",
]  # fmt: skip
