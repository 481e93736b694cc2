"""A team bank on a PostgreSQL server: the same videos, frames and postings as SQLite's.

``--db postgresql://user@host:5432/dbname`` (or ``VERIFY_DB`` holding such
a URL) opens one through psycopg 3 (``pip install 'verify[postgres]'``).
Credentials come from the URL, ``PGPASSWORD``, ``~/.pgpass`` or libpq's
other variables; `location` and every error show the URL with its password
masked.

Layout: ``verify_bank`` (key/value: the schema version), ``videos`` (one
row per SHA-256, a unique constraint, so two analysts adding the same file
at once leave one row; ``added_by`` is the database user, set by the
server) and ``postings`` ((key, video_id) primary key: a B-tree a query's
slice keys are looked up in). Candidates are counted in SQL, as in SQLite;
frames come back as the same packed rows and are compared in Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from verify.audio.landmarks import AudioFingerprint
from verify.bank.records import (
    COLUMNS,
    FRAME_DTYPE,
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
from verify.bank.store import AddResult, KnownVideo, masked_url, slice_keys, url_secrets
from verify.errors import BankError
from verify.hashing.fingerprint import VideoFingerprint
from verify.hashing.forms import FrameTable
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

SCHEMA_VERSION = 4  # of the PostgreSQL bank
MARKER = "verify bank"  # verify_bank.application: a database this version may write
# Seconds to wait for the server to answer a connection; a bank that is down
# should say so at once, not after the operating system's minutes.
CONNECT_TIMEOUT_S = 10

# Entries of shared hash lists (schema 2): hash-only records, looked up by slices.
_LISTS = (
    """CREATE TABLE list_entries (
        id bigserial PRIMARY KEY,
        list text NOT NULL,
        signal_type text NOT NULL,
        digest text NOT NULL,
        label text,
        md5 text,
        frame_count integer NOT NULL,
        frames bytea NOT NULL,
        added_at text NOT NULL,
        added_by text NOT NULL DEFAULT current_user,
        UNIQUE (list, digest)
    )""",
    "CREATE INDEX list_entries_md5 ON list_entries (md5) WHERE md5 IS NOT NULL",
    """CREATE TABLE list_postings (
        key integer NOT NULL,
        entry_id bigint NOT NULL,
        PRIMARY KEY (key, entry_id)
    )""",
)

# A video's sound (schema 4): its landmarks, and the posted ones' hashes for lookups;
# both go with their video (ON DELETE CASCADE, the postings indexed by video for it).
_AUDIO = (
    """CREATE TABLE audio (
        video_id bigint PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
        duration double precision NOT NULL,
        window_s double precision NOT NULL,
        landmark_count integer NOT NULL,
        landmarks bytea NOT NULL
    )""",
    """CREATE TABLE audio_postings (
        hash integer NOT NULL,
        video_id bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
        PRIMARY KEY (hash, video_id)
    )""",
    "CREATE INDEX audio_postings_video ON audio_postings (video_id)",
)

_SCHEMA = (
    "CREATE TABLE verify_bank (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE videos (
        id bigserial PRIMARY KEY,
        sha256 text NOT NULL UNIQUE,
        path text NOT NULL,
        size bigint NOT NULL,
        duration double precision,
        width integer,
        height integer,
        sampling text NOT NULL,
        added_at text NOT NULL,
        source text,
        posted_at text,
        url text,
        summary text NOT NULL,
        frame_count integer NOT NULL,
        frames bytea NOT NULL,
        added_by text NOT NULL DEFAULT current_user
    )""",
    """CREATE TABLE postings (
        key integer NOT NULL,
        video_id bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
        PRIMARY KEY (key, video_id)
    )""",
    "CREATE INDEX postings_video ON postings (video_id)",
    "CREATE INDEX videos_source ON videos (source)",
    "CREATE INDEX videos_added_by ON videos (added_by)",
    *_LISTS,
    *_AUDIO,
)
BANK_TABLES = ("verify_bank", "videos", "postings", "list_entries", "list_postings", "audio",
               "audio_postings")  # fmt: skip
# One migration per schema step, as in SQLite: MIGRATIONS[n] takes n to n + 1.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: _LISTS,
    # Schema 3: a list's postings are deleted with it in one statement (remove_list).
    # A foreign key would check every deleted entry by scanning all list postings,
    # which have no index on entry_id (hours for a 100 k-entry list).
    2: ("ALTER TABLE list_postings DROP CONSTRAINT IF EXISTS list_postings_entry_id_fkey",),
    3: _AUDIO,
}


def _insert(
    cursor: Any, values: tuple, keys: Iterable[int], audio: AudioFingerprint | None
) -> int | None:
    """Write one new video row (`INSERT_COLUMNS` ``values``, adder None: this user), its
    postings and its sound; its id, or None if its SHA-256 is there already (another
    writer's row)."""
    marks = ", ".join(["%s"] * (len(values) - 1))
    cursor.execute(
        f"INSERT INTO videos ({INSERT_COLUMNS}) VALUES ({marks}, coalesce(%s, current_user)) "
        "ON CONFLICT (sha256) DO NOTHING RETURNING id",
        values,
    )
    inserted = cursor.fetchone()
    if inserted is None:
        return None
    with cursor.copy("COPY postings (key, video_id) FROM STDIN") as copy:
        for key in sorted(keys):
            copy.write_row((key, inserted[0]))
    if audio is not None:
        cursor.execute(
            "INSERT INTO audio (video_id, duration, window_s, landmark_count, landmarks) "
            "VALUES (%s, %s, %s, %s, %s)",
            (inserted[0], *audio_values(audio)),
        )
        with cursor.copy("COPY audio_postings (hash, video_id) FROM STDIN") as copy:
            for value in audio.posted():
                copy.write_row((value, inserted[0]))
    return int(inserted[0])


class PostgresBank:
    """An open PostgreSQL bank. Use as a context manager, or call `close`."""

    def __init__(self, url: str, *, create: bool = True, readonly: bool = False):
        try:
            import psycopg
        except ImportError:
            raise BankError(
                "a PostgreSQL bank needs psycopg: pip install 'verify[postgres]'", masked_url(url)
            ) from None
        self._psycopg = psycopg
        self.url = url
        self.readonly = readonly
        try:
            self._db = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True)
        except psycopg.Error as exc:
            raise self._error(exc, connecting=True) from None
        try:
            self._prepare(create)
        except BaseException:
            self._db.close()
            raise

    # --- opening ------------------------------------------------------------

    @property
    def location(self) -> str:
        return masked_url(self.url)

    def _error(
        self, exc: Exception, *, connecting: bool = False, writing: bool = False
    ) -> BankError:
        """Our error for a psycopg one, with the password kept out of it."""
        text = " ".join(str(exc).split())
        for secret in url_secrets(self.url):  # libpq does not echo them; never risk it
            text = text.replace(secret, "***")
        after = (
            "the change was rolled back, so the bank holds what it held before"
            if writing
            else "it was left unchanged"
        )
        if connecting:
            if "password" in text and ("failed" in text or "authentication" in text):
                return BankError(
                    "the PostgreSQL server refused the password (check the URL, PGPASSWORD or "
                    "~/.pgpass)",
                    self.location,
                )
            if "does not exist" in text:
                return BankError(f"cannot open the bank: {text}", self.location)
            return BankError(
                f"cannot reach the PostgreSQL server ({text}); is it running?", self.location
            )
        if isinstance(exc, self._psycopg.OperationalError):
            return BankError(
                f"the connection to the bank was lost ({text}); {after}", self.location
            )
        return BankError(f"bank error: {text}; {after}", self.location)

    def _prepare(self, create: bool) -> None:
        tables = self._existing_tables()
        if tables and "verify_bank" not in tables:
            raise BankError(
                "this PostgreSQL database holds other tables and is not a verify bank; "
                "it was left unchanged",
                self.location,
            )
        if not tables:
            if self.readonly or not create:
                raise BankError(
                    "no bank here yet; add videos with `verify index add`", self.location
                )
            with self._write() as cursor:
                # Another verify may create the bank at the same moment: the lock
                # makes one of the two create it and the other find it.
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('verify bank schema'))")
                cursor.execute(
                    "SELECT 1 FROM pg_tables "
                    "WHERE schemaname = current_schema() AND tablename = 'verify_bank'"
                )
                if cursor.fetchone() is None:
                    for statement in _SCHEMA:
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO verify_bank VALUES ('application', %s), ('schema', %s)",
                        (MARKER, str(SCHEMA_VERSION)),
                    )
        version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise BankError(
                f"the bank uses schema {version}, newer than this verify understands "
                f"({SCHEMA_VERSION}); upgrade verify. The bank was left unchanged",
                self.location,
            )
        if version < SCHEMA_VERSION:
            # Even a read-only open upgrades (the schema is the bank's, not the
            # command's): one transaction, under the same lock as creation.
            with self._transaction() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('verify bank schema'))")
                if self._schema_version() >= SCHEMA_VERSION:
                    return  # another verify upgraded it while we waited
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step]:
                        cursor.execute(statement)
                cursor.execute(
                    "UPDATE verify_bank SET value = %s WHERE key = 'schema'", (str(SCHEMA_VERSION),)
                )

    def _existing_tables(self) -> set[str]:
        # pg_tables lists every table, also those this user may not read
        # (information_schema would hide them and the database would look empty).
        rows = self._query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {row[0] for row in rows}

    def _schema_version(self) -> int:
        found = dict(self._query("SELECT key, value FROM verify_bank"))
        if found.get("application") != MARKER or not str(found.get("schema", "")).isdigit():
            raise BankError(
                "this PostgreSQL database has a verify_bank table that is not a verify bank's; "
                "it was left unchanged",
                self.location,
            )
        return int(found["schema"])

    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        """One transaction; any failure inside rolls all of it back."""
        if self.readonly:
            raise BankError("opened read-only", self.location)
        with self._transaction() as cursor:
            yield cursor

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        try:
            with self._db.transaction(), self._db.cursor() as cursor:
                yield cursor
        except self._psycopg.Error as exc:
            raise self._error(exc, writing=True) from None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """A repeatable-read transaction: its reads see the bank as at its first one."""
        try:
            self._db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except self._psycopg.Error as exc:
            raise self._error(exc) from None
        try:
            yield
        finally:
            with contextlib.suppress(self._psycopg.Error):
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._db.close()

    def __enter__(self) -> PostgresBank:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ------------------------------------------------------------

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return cursor.fetchall()
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def _video(self, row: tuple) -> KnownVideo:
        try:
            return known_video(row)
        except (TypeError, ValueError) as exc:
            raise BankError(
                f"the record of video {str(row[1])[:12]} ({row[2]}) is damaged ({exc}); remove "
                "it with `verify index remove` or restore the bank from a backup",
                self.location,
            ) from None

    def has(self, sha256: str) -> bool:
        return bool(self._query("SELECT 1 FROM videos WHERE sha256 = %s", (sha256,)))

    def find(self, key: str) -> KnownVideo:
        """A video by SHA-256 (or a unique prefix of at least 8 hex digits) or stored path."""
        return self.video_by_id(self._find_id(key)[0])

    def _find_id(self, key: str) -> tuple[int, str, str]:
        rows = self._query(
            "SELECT id, sha256, path FROM videos WHERE sha256 = %s OR path = %s", (key, key)
        )
        if not rows and len(key) >= 8 and re.fullmatch(r"[0-9a-fA-F]+", key):
            rows = self._query(
                "SELECT id, sha256, path FROM videos WHERE sha256 LIKE %s LIMIT 2",
                (key.lower() + "%",),
            )
        if not rows:
            raise BankError(f"no video {key!r} in the bank", self.location)
        if len(rows) > 1:
            raise BankError(
                f"{key!r} matches several videos; give more of the SHA-256", self.location
            )
        video_id, sha256, path = rows[0]
        return int(video_id), sha256, path

    def videos(self, *, source: str | None = None, added_by: str | None = None) -> list[KnownVideo]:
        where, params = filters(source, added_by, "%s")
        rows = self._query(f"SELECT {COLUMNS} FROM videos{where} ORDER BY id", params)
        return [self._video(r) for r in rows]

    def video_by_id(self, video_id: int) -> KnownVideo:
        rows = self._query(f"SELECT {COLUMNS} FROM videos WHERE id = %s", (video_id,))
        if not rows:
            raise BankError(f"no video with id {video_id} in the bank", self.location)
        return self._video(rows[0])

    def known_videos(self, video_ids: Iterable[int]) -> dict[int, tuple[KnownVideo, FrameTable]]:
        """Several videos and their frames in one query (one round trip, not one per video)."""
        wanted = list(dict.fromkeys(int(i) for i in video_ids))
        if not wanted:
            return {}
        rows = self._query(f"SELECT {COLUMNS}, frames FROM videos WHERE id = ANY(%s)", (wanted,))
        found = {}
        for row in rows:
            video = self._video(row[:-1])
            frames = self._frames(bytes(row[-1]), video.sha256, video.path)
            found[video.id] = (video, unpack_frames(frames))
        return found

    def _frames(self, blob: bytes, sha256: str, path: str) -> np.ndarray:
        """Stored frame rows, checked as SQLite checks them."""
        problem = check_frames(blob)
        if problem:
            raise BankError(
                f"the record of video {sha256[:12]} ({path}) is damaged ({problem}); remove it "
                "with `verify index remove` or restore the bank from a backup",
                self.location,
            )
        return np.frombuffer(blob, FRAME_DTYPE)

    def known_frames(self, video_id: int) -> FrameTable:
        return unpack_frames(self.frame_rows(video_id))

    def frame_rows(self, video_id: int) -> np.ndarray:
        rows = self._query("SELECT frames, sha256, path FROM videos WHERE id = %s", (video_id,))
        if not rows:
            return np.zeros(0, FRAME_DTYPE)
        blob, sha256, path = rows[0]
        return self._frames(bytes(blob), sha256, path)

    def posting_count(self, keys: Iterable[int]) -> int:
        """How many postings these keys have."""
        wanted = sorted(set(keys))
        if not wanted:
            return 0
        rows = self._query("SELECT count(*) FROM postings WHERE key = ANY(%s)", (wanted,))
        return int(rows[0][0])

    def candidates(
        self, keys: Iterable[int], *, min_votes: int, limit: int
    ) -> list[tuple[int, int]]:
        """Videos sharing these posting keys: (video id, votes), most votes first."""
        keys = sorted(set(keys))
        if not keys:
            return []
        rows = self._query(
            "SELECT video_id, count(*) AS votes FROM postings WHERE key = ANY(%s) "
            "GROUP BY video_id HAVING count(*) >= %s ORDER BY votes DESC, video_id LIMIT %s",
            (keys, min_votes, limit),
        )
        return [(int(v), int(n)) for v, n in rows]

    def video_count(self) -> int:
        return int(self._query("SELECT count(*) FROM videos")[0][0])

    def stats(self) -> dict[str, Any]:
        videos, frames, seconds = self._query(
            "SELECT count(*), coalesce(sum(frame_count), 0), coalesce(sum(duration), 0) FROM videos"
        )[0]
        postings = self._query("SELECT count(*) FROM postings")[0][0]
        # The bank's own tables with their indexes and TOAST: the database may hold others.
        size = self._query(
            "SELECT coalesce(sum(pg_total_relation_size(to_regclass(name))), 0) "
            "FROM unnest(%s::text[]) AS t(name)",
            (list(BANK_TABLES),),
        )[0][0]
        return {
            "path": self.location,
            "bank_schema": SCHEMA_VERSION,
            "videos": int(videos),
            "frames": int(frames),
            "hours": round(float(seconds) / 3600, 3),
            "postings": int(postings),
            "list_entries": self.list_count(),
            "sound_videos": self.audio_count(),
            "sound_postings": int(self._query("SELECT count(*) FROM audio_postings")[0][0]),
            "file_bytes": int(size),
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
        """Store a fingerprinted video (and its sound, if given); the existing row if its
        SHA-256 is known.

        The unique SHA-256 decides between two writers adding the same bytes
        at once: one inserts, the other's insert does nothing and it reads
        the winner's row.
        """
        table = fingerprint.table()
        keys = slice_keys(table.indexed_hashes())
        added_at = format_utc(dt.datetime.now(dt.timezone.utc))
        with self._write() as cursor:
            inserted = _insert(cursor, (
                fingerprint.sha256, path or fingerprint.path, fingerprint.size,
                fingerprint.duration, fingerprint.width, fingerprint.height,
                fingerprint.sampling, added_at, source, posted_at, url,
                json.dumps(summary or {}, ensure_ascii=False), len(fingerprint.frames),
                pack_frames(table), None,
            ), keys, audio)  # fmt: skip
        if inserted is None:
            return AddResult(self.find(fingerprint.sha256), added=False)
        return AddResult(
            self.video_by_id(inserted), added=True, sound_landmarks=audio.count if audio else None
        )

    def import_videos(
        self, records: Iterable[tuple[KnownVideo, np.ndarray, AudioFingerprint | None]]
    ) -> int:
        """Add exported videos as they were recorded (who, when, from where); how many were new."""
        added = 0
        with self._write() as cursor:
            for video, rows, audio in records:
                values = (*record_values(video), rows.tobytes(), video.added_by)
                keys = slice_keys(unpack_frames(rows).indexed_hashes())
                added += _insert(cursor, values, keys, audio) is not None
        return added

    # --- sound ----------------------------------------------------------------

    def audio_count(self) -> int:
        return int(self._query("SELECT count(*) FROM audio")[0][0])

    def has_audio(self) -> bool:
        """Whether any video has its sound stored (one row read, not a count)."""
        return bool(self._query("SELECT 1 FROM audio LIMIT 1"))

    def audio_candidates(
        self, hashes: Iterable[int], *, min_votes: int, limit: int
    ) -> list[tuple[int, int]]:
        """Videos whose sound shares these posted hashes: (video id, votes), most first."""
        wanted = sorted(set(hashes))
        if not wanted:
            return []
        rows = self._query(
            "SELECT video_id, count(*) AS votes FROM audio_postings WHERE hash = ANY(%s) "
            "GROUP BY video_id HAVING count(*) >= %s ORDER BY votes DESC, video_id LIMIT %s",
            (wanted, min_votes, limit),
        )
        return [(int(v), int(n)) for v, n in rows]

    def known_audio(self, video_ids: Iterable[int]) -> dict[int, AudioFingerprint]:
        """The stored sound of these videos in one query (those without any are left out)."""
        wanted = list(dict.fromkeys(int(i) for i in video_ids))
        if not wanted:
            return {}
        rows = self._query(
            "SELECT a.video_id, a.duration, a.window_s, a.landmarks, v.sha256, v.path "
            "FROM audio AS a JOIN videos AS v ON v.id = a.video_id WHERE a.video_id = ANY(%s)",
            (wanted,),
        )
        found = {}
        for video_id, duration, window_s, blob, sha256, path in rows:
            try:
                found[int(video_id)] = stored_audio(duration, window_s, blob)
            except ValueError as exc:
                raise BankError(
                    f"the record of video {sha256[:12]} ({path}) is damaged ({exc}); remove it "
                    "with `verify index remove` or restore the bank from a backup",
                    self.location,
                ) from None
        return found

    # --- shared hash lists -------------------------------------------------

    def add_list_entries(self, entries: Iterable[NewEntry]) -> tuple[int, int]:
        """Store list entries in one transaction: (added, already there)."""
        added = already = 0
        added_at = format_utc(dt.datetime.now(dt.timezone.utc))
        marks = ", ".join(["%s"] * (len(LIST_INSERT_COLUMNS.split(",")) - 1))
        with self._write() as cursor:
            for entry in entries:
                cursor.execute(
                    f"INSERT INTO list_entries ({LIST_INSERT_COLUMNS}) VALUES ({marks}, "
                    "coalesce(%s, current_user)) ON CONFLICT (list, digest) DO NOTHING "
                    "RETURNING id",
                    new_entry_values(entry, added_at),
                )
                inserted = cursor.fetchone()
                if inserted is None:
                    already += 1
                    continue
                added += 1
                with cursor.copy("COPY list_postings (key, entry_id) FROM STDIN") as copy:
                    for key in sorted(entry.keys):
                        copy.write_row((key, inserted[0]))
        return added, already

    def list_export(self) -> Iterator[tuple[ListRecord, str, bytes]]:
        """Every list entry as (record, digest, packed hashes), in id order."""
        rows = self._query(f"SELECT {LIST_COLUMNS}, digest, frames FROM list_entries ORDER BY id")
        for row in rows:
            record, _hashes = self._list_row((*row[:-2], row[-1]))
            yield record, row[-2], bytes(row[-1])

    def list_count(self) -> int:
        return int(self._query("SELECT count(*) FROM list_entries")[0][0])

    def lists(self) -> list[ListSummary]:
        """Each list in the bank: its entries by signal type, who added them, and when."""
        return list_summaries(self._query(LIST_SUMMARY_SQL))

    def remove_list(self, name: str) -> int:
        """Remove a list's entries and their postings in one transaction: how many."""
        with self._write() as cursor:
            cursor.execute(
                "DELETE FROM list_postings AS p USING list_entries AS e "
                "WHERE p.entry_id = e.id AND e.list = %s",
                (name,),
            )
            cursor.execute("DELETE FROM list_entries WHERE list = %s", (name,))
            return int(cursor.rowcount)

    def list_candidates(self, keys: Iterable[int], *, limit: int) -> list[tuple[int, int]]:
        """List entries sharing posting keys: (entry id, votes), most first."""
        wanted = sorted(set(keys))
        if not wanted:
            return []
        rows = self._query(
            "SELECT entry_id, count(*) AS votes FROM list_postings WHERE key = ANY(%s) "
            "GROUP BY entry_id ORDER BY votes DESC, entry_id LIMIT %s",
            (wanted, limit),
        )
        return [(int(e), int(n)) for e, n in rows]

    def list_entries(self, ids: Iterable[int]) -> dict[int, tuple[ListRecord, VpdqHash]]:
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return {}
        rows = self._query(
            f"SELECT {LIST_COLUMNS}, frames FROM list_entries WHERE id = ANY(%s)", (wanted,)
        )
        return {int(row[0]): self._list_row(row) for row in rows}

    def list_md5(self, md5: str) -> list[ListRecord]:
        rows = self._query(
            f"SELECT {LIST_COLUMNS}, frames FROM list_entries WHERE md5 = %s ORDER BY id", (md5,)
        )
        return [self._list_row(row)[0] for row in rows]

    def _list_row(self, row: tuple) -> tuple[ListRecord, VpdqHash]:
        try:
            return list_record(row[:-1]), unpack_vpdq(bytes(row[-1]))
        except (TypeError, ValueError) as exc:
            raise BankError(
                f"list entry {row[0]} is damaged ({exc}); restore the bank from a backup",
                self.location,
            ) from None

    def remove(self, key: str) -> tuple[str, str]:
        """Remove a video (by SHA-256, prefix or path); its postings go with it."""
        video_id, sha256, path = self._find_id(key)
        with self._write() as cursor:
            cursor.execute("DELETE FROM videos WHERE id = %s", (video_id,))
        return sha256, path
