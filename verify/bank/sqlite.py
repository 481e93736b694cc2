"""The bank of known copies: one SQLite file of videos and their frame hashes.

Each known video is a row with its SHA-256 (unique: adding the same bytes
twice changes nothing), where it was added from, a metadata summary, and its
frame hashes packed in a blob. A posting table maps 16-bit slices of frame
pHashes to videos (multi-index hashing): two hashes within a few bits share
at least one slice with high probability, so a query looks up its own slices
instead of scanning every stored hash. Candidates found that way are then
compared frame by frame by `verify.matching.match`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from verify.audio.landmarks import AudioFingerprint
from verify.bank.records import (
    COLUMNS,
    FLAG_NO_UPPER,
    FRAME_DTYPE,
    FRAME_DTYPE_2,
    INSERT_COLUMNS,
    audio_values,
    check_frames,
    filters,
    known_video,
    pack_frames,
    record_values,
    stored_audio,
    unpack_frames,
)
from verify.bank.store import AddResult, KnownVideo, slice_keys
from verify.errors import BankError
from verify.hashing.fingerprint import VideoFingerprint
from verify.hashing.forms import Form, FrameTable
from verify.hashing.vpdq import VpdqHash
from verify.lists.stored import (
    LIST_COLUMNS,
    LIST_INSERT_COLUMNS,
    LIST_SUMMARY_SQL,
    ListRecord,
    ListSummary,
    NewEntry,
    list_record,
    list_summaries,
    new_entry_values,
    unpack_vpdq,
)
from verify.timestamps import format_utc

SCHEMA_VERSION = 6  # of the SQLite file
APPLICATION_ID = 0x76657269  # "veri": marks the SQLite file as a verify bank
# Seconds a writer waits for another process's transaction to finish.
BUSY_TIMEOUT_S = 60.0

# Entries of shared hash lists (schema 5): hash-only records, looked up by slices.
_LISTS = """
CREATE TABLE list_entries (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL,
    signal_type TEXT NOT NULL,
    digest TEXT NOT NULL,
    label TEXT,
    md5 TEXT,
    frame_count INTEGER NOT NULL,
    frames BLOB NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT,
    UNIQUE (list, digest)
);
CREATE INDEX list_entries_md5 ON list_entries (md5) WHERE md5 IS NOT NULL;
CREATE TABLE list_postings (
    key INTEGER NOT NULL,
    entry_id INTEGER NOT NULL,
    PRIMARY KEY (key, entry_id)
) WITHOUT ROWID;
"""

# A video's sound (schema 6): its landmarks, and the posted ones' hashes for lookups.
_AUDIO = """
CREATE TABLE audio (
    video_id INTEGER PRIMARY KEY,
    duration REAL NOT NULL,
    window_s REAL NOT NULL,
    landmark_count INTEGER NOT NULL,
    landmarks BLOB NOT NULL
);
CREATE TABLE audio_postings (
    hash INTEGER NOT NULL,
    video_id INTEGER NOT NULL,
    PRIMARY KEY (hash, video_id)
) WITHOUT ROWID;
"""

_SCHEMA = (
    """
CREATE TABLE videos (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    duration REAL,
    width INTEGER,
    height INTEGER,
    sampling TEXT NOT NULL,
    added_at TEXT NOT NULL,
    source TEXT,
    posted_at TEXT,
    url TEXT,
    summary TEXT NOT NULL,
    frame_count INTEGER NOT NULL,
    frames BLOB NOT NULL,
    added_by TEXT
);
CREATE TABLE postings (
    key INTEGER NOT NULL,
    video_id INTEGER NOT NULL,
    PRIMARY KEY (key, video_id)
) WITHOUT ROWID;
"""
    + _LISTS
    + _AUDIO
)


def _post_centre70(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: enter every stored frame's centre 70 % hash in the postings."""
    ids = [row[0] for row in db.execute("SELECT id FROM videos")]
    for video_id in ids:
        (blob,) = db.execute("SELECT frames FROM videos WHERE id = ?", (video_id,)).fetchone()
        frames = np.frombuffer(blob, FRAME_DTYPE_2)
        db.executemany(
            "INSERT OR IGNORE INTO postings (key, video_id) VALUES (?, ?)",
            (
                (key, video_id)
                for key in slice_keys(unpack_frames(frames).indexed_hashes((Form.CENTRE70,)))
            ),
        )


def _add_upper_field(db: sqlite3.Connection) -> None:
    """Schema 2 -> 3: repack every video's frames with room for the upper 75 % hash.

    The hash cannot be computed without the video, so the frames are marked
    `FLAG_NO_UPPER` and matching does without it; adding the video again
    after removing it stores it in full.
    """
    ids = [row[0] for row in db.execute("SELECT id FROM videos")]
    for video_id in ids:
        (blob,) = db.execute("SELECT frames FROM videos WHERE id = ?", (video_id,)).fetchone()
        old = np.frombuffer(blob, FRAME_DTYPE_2)
        rows = np.zeros(old.size, FRAME_DTYPE)
        for name in FRAME_DTYPE_2.names:
            rows[name] = old[name]
        rows["flags"] |= FLAG_NO_UPPER
        db.execute("UPDATE videos SET frames = ? WHERE id = ?", (rows.tobytes(), video_id))


def _add_added_by(db: sqlite3.Connection) -> None:
    """Schema 3 -> 4: a column for who added each video (unknown for those already there)."""
    db.execute("ALTER TABLE videos ADD COLUMN added_by TEXT")


def _add_lists(db: sqlite3.Connection) -> None:
    """Schema 4 -> 5: tables for entries of shared hash lists (`verify index import-hashes`)."""
    _run_script(db, _LISTS)


def _add_audio(db: sqlite3.Connection) -> None:
    """Schema 5 -> 6: tables for each video's sound (videos already there have none stored;
    removing and adding one again stores it)."""
    _run_script(db, _AUDIO)


# Migrations: MIGRATIONS[n] upgrades a bank from schema n to n + 1, inside
# the caller's write transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _post_centre70,
    2: _add_upper_field,
    3: _add_added_by,
    4: _add_lists,
    5: _add_audio,
}

# Columns this version reads from each table (a file without them is not a bank).
_TABLECOLUMNS = {
    # added_by arrived with schema 4, and an older bank gets it when it is upgraded.
    "videos": {name.strip() for name in COLUMNS.split(",")} - {"added_by"} | {"frames"},
    "postings": {"key", "video_id"},
}


def _decode_text(raw: bytes) -> str:
    """SQLite text as str; bytes that are not UTF-8 are damage, reported as such."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise sqlite3.DataError(
            "database disk image is malformed (text that is not UTF-8)"
        ) from None


class SqliteBank:
    """An open bank file. Use as a context manager, or call `close`."""

    def __init__(
        self, path: str | os.PathLike[str], *, create: bool = True, readonly: bool = False
    ):
        self.path = Path(path)
        self.readonly = readonly
        self._json_keys = True  # lookups pass their keys as JSON (see `_votes`)
        self._db = self._connect(create)
        try:
            self._prepare(create)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._error(exc) from None
        except BaseException:
            self._db.close()
            raise

    # --- opening ------------------------------------------------------------

    def _connect(self, create: bool) -> sqlite3.Connection:
        """A connection to a file already known to be a bank (or to a new one).

        Nothing writable is opened on a file not recognised first: an
        existing file must be a regular file with an SQLite header, and it is
        read through a read-only connection (`_recognise`) before any other.
        """
        exists = self._check_path(create)
        if exists:
            self._recognise()
        return self._open(readonly=self.readonly)

    def _check_path(self, create: bool) -> bool:
        """Whether the bank file exists; `BankError` for paths that cannot be a bank."""
        if self.path.is_dir():
            raise BankError("is a folder; give a file name for the bank", self.path)
        if not self.path.parent.is_dir():
            raise BankError(f"the folder {self.path.parent} does not exist", self.path)
        try:
            info = self.path.stat()
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise BankError(f"cannot access the bank: {exc.strerror}", self.path) from None
        if info is None:
            if self.readonly or not create:
                raise BankError("no bank here yet; add videos with `verify index add`", self.path)
            return False
        if not stat.S_ISREG(info.st_mode):
            # SQLite would wait forever on a pipe: never open one.
            raise BankError(
                "not a regular file (a pipe, device or socket), so not a bank; "
                "it was left unchanged",
                self.path,
            )
        if not os.access(self.path, os.R_OK):
            raise BankError("the bank file is not readable by this user", self.path)
        if not self.readonly and not os.access(self.path, os.W_OK):
            raise BankError("the bank file is read-only; it was left unchanged", self.path)
        if info.st_size:
            self._check_header()
        return True

    def _check_header(self) -> None:
        """The file's first 100 bytes must be an SQLite header of a verify bank (or of none)."""
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(100)
        except OSError as exc:
            raise BankError(f"cannot read the bank: {exc.strerror}", self.path) from None
        page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
        page_size = 65536 if page_size == 1 else page_size
        if (
            not header.startswith(b"SQLite format 3\x00")
            or page_size < 512
            or page_size & (page_size - 1)
            or header[18] not in (1, 2)
            or header[19] not in (1, 2)
        ):
            raise BankError(
                "not a verify bank (not an SQLite database); it was left unchanged", self.path
            )
        application_id = int.from_bytes(header[68:72], "big")
        if application_id not in (0, APPLICATION_ID):
            raise BankError(
                "this SQLite file is not a verify bank; it was left unchanged", self.path
            )

    def _recognise(self) -> None:
        """Read an existing file without any right to write it: is it a bank we can use?"""
        db = self._open(readonly=True)
        try:
            has_tables, _version = self._identity(db)
            if has_tables:
                self._check_tables(db)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None
        finally:
            db.close()

    def _check_tables(self, db: sqlite3.Connection) -> None:
        """The bank's two tables must be there with the columns this version reads."""
        for table, wanted in _TABLECOLUMNS.items():
            found = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if not wanted <= found:
                raise BankError(
                    f"not a verify bank: its {table} table is missing or has other columns; "
                    "it was left unchanged",
                    self.path,
                )

    def _open(self, *, readonly: bool) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + ("?mode=ro" if readonly else "")
        try:
            db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.text_factory = _decode_text
            # Check each B-tree cell's size as pages are read: damage found
            # then stops a statement before it writes beside it.
            db.execute("PRAGMA cell_size_check=ON")
        except sqlite3.Error as exc:
            raise BankError(f"cannot open the bank: {exc}", self.path) from None
        return db

    def _identity(self, db: sqlite3.Connection | None = None) -> tuple[bool, int]:
        """(has tables, schema version); raises for foreign or newer files."""
        # One statement, so one snapshot: read apart, another process could
        # create the bank in between and the tables would appear without
        # the application id read a moment earlier.
        app_id, version, tables = (
            (db or self._db)
            .execute(
                "SELECT (SELECT application_id FROM pragma_application_id), "
                "(SELECT user_version FROM pragma_user_version), "
                "(SELECT count(*) FROM sqlite_master)"
            )
            .fetchone()
        )
        has_tables = tables > 0
        if has_tables and app_id != APPLICATION_ID:
            raise BankError(
                "this SQLite file is not a verify bank; it was left unchanged", self.path
            )
        if version > SCHEMA_VERSION:
            raise BankError(
                f"the bank uses schema {version}, newer than this verify understands "
                f"({SCHEMA_VERSION}); upgrade verify. The bank was left unchanged",
                self.path,
            )
        return has_tables, version

    def _prepare(self, create: bool) -> None:
        has_tables, version = self._identity()
        if self.readonly:
            if not has_tables:
                raise BankError("the bank is empty", self.path)
            if version < SCHEMA_VERSION:
                self._upgrade_for_reading(version)
            return
        self._use_wal()
        # Creation and migration happen under the write lock, checked again
        # once held: another process may have created the bank meanwhile.
        with self._write() as db:
            has_tables, version = self._identity()
            if not has_tables:
                _run_script(db, _SCHEMA)
                db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            elif version < SCHEMA_VERSION:
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](db)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _upgrade_for_reading(self, version: int) -> None:
        """Migrate an older bank opened for reading: once, through a writable connection."""
        if not os.access(self.path, os.W_OK):
            raise BankError(
                f"the bank uses schema {version} and is read-only, so it cannot be upgraded "
                f"to schema {SCHEMA_VERSION}; make it writable once. It was left unchanged",
                self.path,
            )
        SqliteBank(self.path, create=False).close()
        self._db.close()
        self._db = self._connect(create=False)

    def _use_wal(self) -> None:
        """Switch to WAL (readers never block writers); retry while another process holds it."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _error(self, exc: sqlite3.Error, *, writing: bool = False) -> BankError:
        """Our error for an SQLite one; ``writing``: raised in a write, now rolled back."""
        text = str(exc)
        after = (
            "the change was rolled back, so the bank holds what it held before"
            if writing
            else "it was left unchanged"
        )
        if "not a database" in text:
            return BankError(f"not a verify bank (not an SQLite database); {after}", self.path)
        if "malformed" in text or "corrupt" in text:
            return BankError(
                f"the bank is damaged (SQLite: {text}); {after}. Check it with "
                f"`sqlite3 {self.path} 'PRAGMA integrity_check'` and restore it from a backup",
                self.path,
            )
        if "full" in text:
            return BankError(f"the disk is full; {after}: free some space and try again", self.path)
        if "readonly" in text or "read-only" in text:
            return BankError(f"the bank is read-only; {after}", self.path)
        if "locked" in text or "busy" in text:
            return BankError("the bank is busy (another verify is writing); try again", self.path)
        if "disk I/O" in text:
            return BankError(f"cannot read or write the bank: disk I/O error; {after}", self.path)
        return BankError(f"bank error: {text}", self.path)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the lock at once (no upgrade deadlocks).

        Any failure inside rolls the whole transaction back; an SQLite error
        becomes a `BankError` that says so.
        """
        if self.readonly:
            raise BankError("opened read-only", self.path)
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._error(exc, writing=True) from None
        except BaseException:
            self._rollback()
            raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: in WAL mode its reads see one state of the bank, while
        writers go on committing."""
        try:
            self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            yield
        finally:
            self._rollback()  # nothing was written: ending it is all

    def _rollback(self) -> None:
        # SQLite may have rolled back by itself already (a full disk at COMMIT).
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteBank:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ------------------------------------------------------------

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _video(self, row: tuple) -> KnownVideo:
        """A `KnownVideo` from its row; `BankError` naming the video if the row is damaged."""
        try:
            return known_video(row)
        except (TypeError, ValueError) as exc:
            raise self._damaged_row(row[1], row[2], str(exc)) from None

    def _damaged_row(self, sha256: object, path: object, reason: str) -> BankError:
        name = f"{sha256}"[:12] if isinstance(sha256, str) else f"row {sha256!r}"
        return BankError(
            f"the record of video {name} ({path}) is damaged ({reason}); remove it with "
            f"`verify index remove {name}` or restore the bank from a backup",
            self.path,
        )

    def has(self, sha256: str) -> bool:
        return bool(self._query("SELECT 1 FROM videos WHERE sha256 = ?", (sha256,)))

    def find(self, key: str) -> KnownVideo:
        """A video by SHA-256 (or a unique prefix of at least 8 hex digits) or stored path."""
        video_id, _sha256, _path = self._find_id(key)
        return self.video_by_id(video_id)

    def _find_id(self, key: str) -> tuple[int, str, str]:
        """(id, SHA-256, path) of the one video ``key`` names, read even from a damaged row."""
        columns = "id, CAST(sha256 AS BLOB), CAST(path AS BLOB)"
        rows = self._query(f"SELECT {columns} FROM videos WHERE sha256 = ? OR path = ?", (key, key))
        if not rows and len(key) >= 8:
            rows = self._query(
                f"SELECT {columns} FROM videos WHERE sha256 LIKE ? LIMIT 2", (key.lower() + "%",)
            )
        if not rows:
            raise BankError(f"no video {key!r} in the bank", self.path)
        if len(rows) > 1:
            raise BankError(f"{key!r} matches several videos; give more of the SHA-256", self.path)
        video_id, sha256, path = rows[0]
        text = [bytes(v or b"").decode("utf-8", "backslashreplace") for v in (sha256, path)]
        return int(video_id), text[0], text[1]

    def videos(self, *, source: str | None = None, added_by: str | None = None) -> list[KnownVideo]:
        where, params = filters(source, added_by, "?")
        rows = self._query(f"SELECT {COLUMNS} FROM videos{where} ORDER BY id", params)
        return [self._video(r) for r in rows]

    @property
    def location(self) -> str:
        return str(self.path)

    def known_frames(self, video_id: int) -> FrameTable:
        """A video's frames as a table; `BankError` naming the video if they are damaged."""
        return unpack_frames(self.frame_rows(video_id))

    def frame_rows(self, video_id: int) -> np.ndarray:
        """A video's stored frame rows; `BankError` naming the video if they are damaged."""
        rows = self._query("SELECT frames, sha256, path FROM videos WHERE id = ?", (video_id,))
        if not rows:
            return np.zeros(0, FRAME_DTYPE)
        blob, sha256, path = rows[0]
        problem = check_frames(blob) if isinstance(blob, bytes) else "its frame data is not bytes"
        if problem:
            raise self._damaged_row(sha256, path, problem)
        return np.frombuffer(blob, FRAME_DTYPE)

    def known_videos(self, video_ids: Iterable[int]) -> dict[int, tuple[KnownVideo, FrameTable]]:
        """Several videos and their frames (a file answers each id as cheaply as a batch)."""
        return {i: (self.video_by_id(i), self.known_frames(i)) for i in dict.fromkeys(video_ids)}

    def video_by_id(self, video_id: int) -> KnownVideo:
        rows = self._query(f"SELECT {COLUMNS} FROM videos WHERE id = ?", (video_id,))
        if not rows:
            raise BankError(f"no video with id {video_id} in the bank", self.path)
        return self._video(rows[0])

    def posting_count(self, keys: Iterable[int]) -> int:
        """How many postings these keys have."""
        wanted = sorted(set(keys))
        if not wanted:
            return 0
        marks = ", ".join("?" * len(wanted))
        rows = self._query(f"SELECT count(*) FROM postings WHERE key IN ({marks})", wanted)
        return int(rows[0][0])

    def candidates(
        self, keys: Iterable[int], *, min_votes: int, limit: int
    ) -> list[tuple[int, int]]:
        """Videos sharing these posting keys: (video id, votes), most votes first."""
        return self._votes(
            "probe", keys,
            "SELECT p.video_id, count(*) AS votes FROM {keys} AS q "
            "CROSS JOIN postings AS p ON p.key = q.key GROUP BY p.video_id "
            "HAVING votes >= ? ORDER BY votes DESC, p.video_id LIMIT ?",
            (min_votes, limit),
        )  # fmt: skip

    def _votes(
        self, probe: str, keys: Iterable[int], count_sql: str, params: tuple
    ) -> list[tuple[int, int]]:
        """Run ``count_sql``, which joins ``{keys}`` (a table of ``keys`` in a column
        ``key``) to a posting table and counts each row's votes.

        The keys go in as one JSON array read by ``json_each``: one statement,
        where filling a table row by row let the interpreter switch threads at
        every row (up to 5 ms each time while the clip's sound is hashed beside
        the lookup). An SQLite built without JSON gets a temporary table ``probe``.
        The count's CROSS JOIN pins the loop order: walk the few probe keys and
        seek each in the postings index. Left to itself the planner has no
        statistics on the keys and may scan every posting instead (11 s
        instead of 0.1 s on a million videos).
        """
        wanted = sorted(set(keys))
        if not wanted:
            return []
        try:
            if self._json_keys:
                try:
                    table = "(SELECT value AS key FROM json_each(?))"
                    rows = self._db.execute(
                        count_sql.format(keys=table), (json.dumps(wanted), *params)
                    )
                    return rows.fetchall()
                except sqlite3.OperationalError as exc:
                    if "json_each" not in str(exc):
                        raise
                    self._json_keys = False
            self._db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {probe} (key INTEGER PRIMARY KEY)")
            self._db.execute(f"DELETE FROM temp.{probe}")
            self._db.executemany(f"INSERT INTO temp.{probe} VALUES (?)", ((k,) for k in wanted))
            return self._db.execute(count_sql.format(keys=f"temp.{probe}"), params).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def video_count(self) -> int:
        """How many videos the bank holds (cheap: no postings are counted)."""
        return int(self._query("SELECT count(*) FROM videos")[0][0])

    def stats(self) -> dict[str, Any]:
        videos, frames, seconds = self._query(
            "SELECT count(*), coalesce(sum(frame_count), 0), coalesce(sum(duration), 0) FROM videos"
        )[0]
        postings = self._query("SELECT count(*) FROM postings")[0][0]
        return {
            "path": str(self.path),
            "bank_schema": SCHEMA_VERSION,
            "videos": videos,
            "frames": frames,
            "hours": round(seconds / 3600, 3),
            "postings": postings,
            "list_entries": self.list_count(),
            "sound_videos": self.audio_count(),
            "sound_postings": self._query("SELECT count(*) FROM audio_postings")[0][0],
            "file_bytes": self.path.stat().st_size,
        }

    # --- writing ------------------------------------------------------------

    def add_video(
        self,
        fingerprint: VideoFingerprint,
        *,
        summary: dict[str, Any] | None = None,
        source: str | None = None,
        posted_at: str | None = None,
        url: str | None = None,
        path: str | None = None,
        audio: AudioFingerprint | None = None,
    ) -> AddResult:
        """Store a fingerprinted video (and its sound, if given); return the existing row if
        its SHA-256 is known."""
        table = fingerprint.table()
        blob = pack_frames(table)
        keys = slice_keys(table.indexed_hashes())
        added_at = format_utc(dt.datetime.now(dt.timezone.utc))
        with self._write() as db:
            existing = db.execute(
                f"SELECT {COLUMNS} FROM videos WHERE sha256 = ?", (fingerprint.sha256,)
            ).fetchone()
            if existing:
                return AddResult(self._video(existing), added=False)
            video_id = _insert(db, (
                fingerprint.sha256, path or fingerprint.path, fingerprint.size,
                fingerprint.duration, fingerprint.width, fingerprint.height,
                fingerprint.sampling, added_at, source, posted_at, url,
                json.dumps(summary or {}, ensure_ascii=False), len(fingerprint.frames), blob,
                login_name(),
            ), keys, audio)  # fmt: skip
        return AddResult(
            self.video_by_id(video_id), added=True, sound_landmarks=audio.count if audio else None
        )

    def import_videos(
        self, records: Iterable[tuple[KnownVideo, np.ndarray, AudioFingerprint | None]]
    ) -> int:
        """Add exported videos as they were recorded (who, when, from where); how many were new."""
        added = 0
        with self._write() as db:
            for video, rows, audio in records:
                if db.execute("SELECT 1 FROM videos WHERE sha256 = ?", (video.sha256,)).fetchone():
                    continue
                values = (*record_values(video), rows.tobytes(), video.added_by)
                _insert(db, values, slice_keys(unpack_frames(rows).indexed_hashes()), audio)
                added += 1
        return added

    # --- sound ----------------------------------------------------------------

    def audio_count(self) -> int:
        """How many videos have their sound stored."""
        return int(self._query("SELECT count(*) FROM audio")[0][0])

    def has_audio(self) -> bool:
        """Whether any video has its sound stored (one row read, not a count)."""
        return bool(self._query("SELECT 1 FROM audio LIMIT 1"))

    def audio_candidates(
        self, hashes: Iterable[int], *, min_votes: int, limit: int
    ) -> list[tuple[int, int]]:
        """Videos whose sound shares these posted hashes: (video id, votes), most first."""
        return self._votes(
            "audio_probe", hashes,
            "SELECT p.video_id, count(*) AS votes FROM {keys} AS q "
            "CROSS JOIN audio_postings AS p ON p.hash = q.key GROUP BY p.video_id "
            "HAVING votes >= ? ORDER BY votes DESC, p.video_id LIMIT ?",
            (min_votes, limit),
        )  # fmt: skip

    def known_audio(self, video_ids: Iterable[int]) -> dict[int, AudioFingerprint]:
        """The stored sound of these videos (those without any are left out)."""
        found = {}
        for video_id in dict.fromkeys(int(i) for i in video_ids):
            rows = self._query(
                "SELECT a.duration, a.window_s, a.landmarks, v.sha256, v.path FROM audio AS a "
                "JOIN videos AS v ON v.id = a.video_id WHERE a.video_id = ?",
                (video_id,),
            )
            if not rows:
                continue
            duration, window_s, blob, sha256, path = rows[0]
            try:
                found[video_id] = stored_audio(duration, window_s, blob)
            except ValueError as exc:
                raise self._damaged_row(sha256, path, str(exc)) from None
        return found

    # --- shared hash lists -------------------------------------------------

    def add_list_entries(self, entries: Iterable[NewEntry]) -> tuple[int, int]:
        """Store list entries in one transaction: (added, already there)."""
        added = already = 0
        added_at = format_utc(dt.datetime.now(dt.timezone.utc))
        adder = login_name()
        marks = ", ".join("?" * len(LIST_INSERT_COLUMNS.split(",")))
        with self._write() as db:
            for entry in entries:
                values = new_entry_values(entry, added_at)
                if entry.added_at is None:  # a new entry (not an exported one): this user's
                    values = (*values[:-1], adder)
                cursor = db.execute(
                    f"INSERT OR IGNORE INTO list_entries ({LIST_INSERT_COLUMNS}) VALUES ({marks})",
                    values,
                )
                if not cursor.rowcount:
                    already += 1
                    continue
                added += 1
                db.executemany(
                    "INSERT OR IGNORE INTO list_postings (key, entry_id) VALUES (?, ?)",
                    ((key, cursor.lastrowid) for key in sorted(entry.keys)),
                )
        return added, already

    def list_export(self) -> Iterator[tuple[ListRecord, str, bytes]]:
        """Every list entry as (record, digest, packed hashes), in id order."""
        rows = self._query(f"SELECT {LIST_COLUMNS}, digest, frames FROM list_entries ORDER BY id")
        for row in rows:
            record, _hashes = self._list_row((*row[:-2], row[-1]))
            yield record, row[-2], row[-1]

    def list_count(self) -> int:
        """How many list entries the bank holds."""
        return int(self._query("SELECT count(*) FROM list_entries")[0][0])

    def lists(self) -> list[ListSummary]:
        """Each list in the bank: its entries by signal type, who added them, and when."""
        return list_summaries(self._query(LIST_SUMMARY_SQL))

    def remove_list(self, name: str) -> int:
        """Remove a list's entries and their postings in one transaction: how many."""
        with self._write() as db:
            # One pass over the postings (they have no index by entry) for the whole list.
            db.execute(
                "DELETE FROM list_postings WHERE entry_id IN "
                "(SELECT id FROM list_entries WHERE list = ?)",
                (name,),
            )
            return db.execute("DELETE FROM list_entries WHERE list = ?", (name,)).rowcount

    def list_candidates(self, keys: Iterable[int], *, limit: int) -> list[tuple[int, int]]:
        """List entries sharing posting keys: (entry id, votes), most first."""
        return self._votes(
            "list_probe", keys,
            "SELECT p.entry_id, count(*) AS votes FROM {keys} AS q "
            "CROSS JOIN list_postings AS p ON p.key = q.key GROUP BY p.entry_id "
            "ORDER BY votes DESC, p.entry_id LIMIT ?",
            (limit,),
        )  # fmt: skip

    def list_entries(self, ids: Iterable[int]) -> dict[int, tuple[ListRecord, VpdqHash]]:
        """Entries and their hashes by id."""
        wanted = sorted({int(i) for i in ids})
        found = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._query(
                f"SELECT {LIST_COLUMNS}, frames FROM list_entries WHERE id IN ({marks})", chunk
            )
            for row in rows:
                found[row[0]] = self._list_row(row)
        return found

    def list_md5(self, md5: str) -> list[ListRecord]:
        """Entries naming this MD5."""
        rows = self._query(
            f"SELECT {LIST_COLUMNS}, frames FROM list_entries WHERE md5 = ? ORDER BY id", (md5,)
        )
        return [self._list_row(row)[0] for row in rows]

    def _list_row(self, row: tuple) -> tuple[ListRecord, VpdqHash]:
        try:
            blob = row[-1]
            if not isinstance(blob, bytes):
                raise ValueError("its hashes are not bytes")
            return list_record(row[:-1]), unpack_vpdq(blob)
        except (TypeError, ValueError) as exc:
            raise BankError(
                f"list entry {row[0]} is damaged ({exc}); restore the bank from a backup",
                self.path,
            ) from None

    def remove(self, key: str) -> tuple[str, str]:
        """Remove a video (by SHA-256, prefix or path) and its postings: its (SHA-256, path).

        A video whose record is damaged can be removed too: its postings are
        then found by scanning the posting table instead of from its frames.
        """
        video_id, sha256, path = self._find_id(key)
        try:
            keys: set[int] | None = slice_keys(self.known_frames(video_id).indexed_hashes())
        except BankError:
            keys = None
        try:
            sound = self.known_audio([video_id]).get(video_id)
            posted: list[int] | None = sound.posted() if sound else []
        except BankError:
            posted = None
        with self._write() as db:
            if posted is None:
                db.execute("DELETE FROM audio_postings WHERE video_id = ?", (video_id,))
            else:
                db.executemany(
                    "DELETE FROM audio_postings WHERE hash = ? AND video_id = ?",
                    ((h, video_id) for h in posted),
                )
            db.execute("DELETE FROM audio WHERE video_id = ?", (video_id,))
            if keys is None:
                db.execute("DELETE FROM postings WHERE video_id = ?", (video_id,))
            else:
                db.executemany(
                    "DELETE FROM postings WHERE key = ? AND video_id = ?",
                    ((k, video_id) for k in keys),
                )
            db.execute("DELETE FROM videos WHERE id = ?", (video_id,))
        return sha256, path


def _insert(
    db: sqlite3.Connection, values: tuple, keys: Iterable[int], audio: AudioFingerprint | None
) -> int:
    """Write one new video row (`INSERT_COLUMNS` ``values``), its postings and its sound;
    its id."""
    marks = ", ".join("?" * len(values))
    cursor = db.execute(f"INSERT INTO videos ({INSERT_COLUMNS}) VALUES ({marks})", values)
    video_id = int(cursor.lastrowid)
    db.executemany(
        "INSERT OR IGNORE INTO postings (key, video_id) VALUES (?, ?)",
        ((key, video_id) for key in keys),
    )
    if audio is not None:
        db.execute(
            "INSERT INTO audio (video_id, duration, window_s, landmark_count, landmarks) "
            "VALUES (?, ?, ?, ?, ?)",
            (video_id, *audio_values(audio)),
        )
        db.executemany(
            "INSERT INTO audio_postings (hash, video_id) VALUES (?, ?)",
            ((h, video_id) for h in audio.posted()),
        )
    return video_id


def login_name() -> str | None:
    """Who is adding: the operating system's name for this user, if it has one."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: executescript would commit the open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)
