"""The library's SQLite file: videos, their descriptions and timeline entries, a full-text index,
embeddings, and the conversations about them.

One file, WAL mode, so searches read while a describe run writes, and a server and ``library
add`` processes can write to one library at once: every change is one ``BEGIN IMMEDIATE``
transaction (a writer waits for the other instead of failing on a stale snapshot), and a
video's entries are replaced whole, so a crash or a second writer never leaves half a video
or a video twice.

SQLite as it is meant to be used from threads (datasette's `Database` does the same): each
thread that touches the store gets its own connection, opened on first use; no connection
is ever shared between threads. Writes from many threads are serialized by SQLite itself
(``BEGIN IMMEDIATE`` waits up to `_BUSY_TIMEOUT_S` for the lock).

A video's public id is the start of its file's SHA-256 (`video_id`): the same file is the same
video in the CLI, the API and the page, and ids survive moving the library. The schema is
created here at open and versioned with ``PRAGMA user_version`` (version 1 files are
migrated in place). The full-text index is an FTS5 table over ``entries.text`` kept in sync
by triggers, the layout sqlite-utils' ``enable_fts(create_triggers=True)`` makes. Embeddings
are float16 blobs beside each entry (half the disk of float32, and cosine ranking does not
notice); `vectors` loads them as one matrix. All SQL is parameterized.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from ..errors import LibraryError, LibraryFileError
from ..timeline import Event

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
ID_LENGTH = 16
"""Hex digits of the SHA-256 kept as a video's id (64 bits: collisions are not a concern)."""
_BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another connection's transaction (one video's rows) to finish."""

Status = Literal["queued", "describing", "done", "failed", "live"]

_TABLES = """
CREATE TABLE IF NOT EXISTS videos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    duration REAL NOT NULL,
    info TEXT NOT NULL,
    summary TEXT NOT NULL,
    failures TEXT NOT NULL,
    embedding_model TEXT,
    added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    event_ids TEXT NOT NULL,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    module TEXT NOT NULL,
    text TEXT NOT NULL,
    data TEXT NOT NULL,
    embedding BLOB
);
CREATE INDEX IF NOT EXISTS entries_video ON entries(video_id);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    text, content=entries, content_rowid=id, tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS entries_ai AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS entries_ad AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER IF NOT EXISTS entries_au AFTER UPDATE ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO entries_fts (rowid, text) VALUES (new.id, new.text);
END;
"""

_VERSION_2 = """
ALTER TABLE videos ADD COLUMN vid TEXT;
ALTER TABLE videos ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE videos ADD COLUMN kind TEXT NOT NULL DEFAULT 'video';
ALTER TABLE videos ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
ALTER TABLE videos ADD COLUMN error TEXT;
ALTER TABLE videos ADD COLUMN owned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE videos ADD COLUMN modules TEXT NOT NULL DEFAULT '{}';
ALTER TABLE videos ADD COLUMN described_at REAL;
CREATE TABLE descriptions (
    video_id INTEGER PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    json BLOB NOT NULL
);
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    vid TEXT,
    turns TEXT NOT NULL,
    started REAL NOT NULL,
    used REAL NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_vid ON conversations(vid, used);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('entries_generation', 0);
"""
"""Version 2: public ids, names, a describing status per video, the whole description, conversations."""

_VERSION_3 = """
ALTER TABLE videos ADD COLUMN started_at REAL;
CREATE TABLE stretches (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    events BLOB NOT NULL,
    PRIMARY KEY (video_id, seq)
);
CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    webhook TEXT,
    added_at REAL NOT NULL
);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    module TEXT NOT NULL,
    text TEXT NOT NULL,
    event_ids TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX alerts_video ON alerts(video_id, id);
"""
"""Version 3: live streams (`videochat_text.live`) — a stream's events a stretch at a time as they
are described, the watch rules on it and what they matched."""

_VIDEO_COLUMNS = ("v.vid, v.name, v.path, v.sha256, v.kind, v.status, v.error, v.owned, v.settings_key, v.duration,"
                  " v.summary, v.failures, v.added_at, v.described_at,"
                  " (SELECT count(*) FROM entries e WHERE e.video_id = v.id), v.started_at")


def video_id(sha256: str) -> str:
    """A video's id: the start of its content's SHA-256."""
    return sha256[:ID_LENGTH]


@dataclass(frozen=True)
class VideoRecord:
    """One video as the library holds it."""

    id: str
    """The start of the file's SHA-256: the same in the CLI, the API and the page."""
    name: str
    """A label: the file's name, or the name an upload came with."""
    path: str
    sha256: str
    kind: Literal["video", "audio"]
    status: Status
    error: str | None
    """Why describing failed (one line), when ``status`` is ``failed``."""
    owned: bool
    """The file belongs to the library (an upload): removing the video removes the file."""
    settings_key: str
    duration: float
    summary: str
    failures: list[dict[str, str]]
    """Modules that failed on it (a later ``add`` describes it again)."""
    added_at: float
    described_at: float | None
    entries: int
    started_at: float | None = None
    """A live stream (`videochat_text.live`): the wall-clock time of its time 0 (its ``path`` is its
    URL, not a file). None for a file."""


@dataclass(frozen=True)
class StoredEntry:
    """A timeline entry of one video, as search returns it."""

    rowid: int
    video: str
    """The video's id."""
    name: str
    start: float
    end: float
    module: str
    text: str
    event_ids: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DescribedFile:
    """Everything stored about one described video file."""

    path: str
    sha256: str
    settings_key: str
    info: dict[str, Any]
    summary: str
    failures: list[dict[str, str]]
    modules: dict[str, Any]
    entries: Sequence[Event]
    vectors: np.ndarray | None
    embedding_model: str | None
    description_json: str
    name: str | None = None
    """None: keep the stored name, else the file's name."""


@dataclass(frozen=True)
class StoredTurn:
    question: str
    answer: str
    citations: list[dict[str, Any]]


@dataclass(frozen=True)
class StoredConversation:
    id: str
    video: str | None
    """The video's id; None for a conversation across the whole library."""
    turns: list[StoredTurn]
    ended: bool


class LibraryStore:
    """The SQLite file behind a `Library` and the server; safe to share between threads (each
    gets its own connection)."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self._local = threading.local()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryFileError(f"library {self.path}: {exc.strerror or exc}") from None
        self._migrate()

    # --- connections -------------------------------------------------------------------------
    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use in the thread)."""
        db = getattr(self._local, "connection", None)
        if self._closed:
            if db is not None:
                db.close()
                self._local.connection = None
            raise LibraryError(f"library {self.path} is closed")
        if db is None:
            db = self._local.connection = self._open()
        return db

    def _open(self) -> sqlite3.Connection:
        try:
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), never opened implicitly.
            db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a power cut may lose the last commit, never corrupt
            db.execute("PRAGMA foreign_keys=ON")
            return db
        except sqlite3.DatabaseError as exc:
            raise LibraryFileError(f"library {self.path}: cannot open it as a library ({exc})") from None
        except OSError as exc:
            raise LibraryFileError(f"library {self.path}: {exc.strerror or exc}") from None

    def _migrate(self) -> None:
        try:
            with self._transaction() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise LibraryFileError(
                        f"library {self.path} was written by a newer videochat-text (schema {version}, this one "
                        f"knows {SCHEMA_VERSION}): upgrade videochat-text, or use another library file")
                if version < 1:
                    _execute(db, _TABLES)
                if version < 2:
                    _execute(db, _VERSION_2)
                    _fill_version_2(db)
                if version < 3:
                    _execute(db, _VERSION_3)
                if version < SCHEMA_VERSION:
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise LibraryFileError(f"library {self.path}: cannot open it as a library ({exc})") from None
        except LibraryError:
            self.close()
            raise

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)

    def close(self) -> None:
        """Close this thread's connection now; other threads' close when they next touch the store,
        or when they end (a SQLite connection may only be closed by its own thread)."""
        self._closed = True
        db = getattr(self._local, "connection", None)
        if db is not None:
            db.close()
            self._local.connection = None

    # --- writing videos ----------------------------------------------------------------------
    def register(self, path: str, *, sha256: str, name: str, info: dict[str, Any], owned: bool,
                 settings_key: str = "") -> tuple[VideoRecord, bool]:
        """Add a video to describe (status ``queued``) unless its content is already here.

        Returns:
            ``(the record, whether it is new)``; an existing one keeps its name and status.
        """
        vid = video_id(sha256)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM videos WHERE vid = ?", (vid,)).fetchone() is None:
                if db.execute("DELETE FROM videos WHERE path = ?", (path,)).rowcount:  # other content before
                    _bump_entries_generation(db)
                db.execute(
                    "INSERT INTO videos (vid, path, name, sha256, kind, status, owned, settings_key, duration, info,"
                    " summary, failures, added_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, '', '[]', ?)",
                    (vid, path, name, sha256, _kind(info), int(owned), settings_key, float(info.get("duration") or 0),
                     json.dumps(info), time.time()))
                new = True
            else:
                new = False
        record = self.video(vid)
        assert record is not None
        return record, new

    def put_video(self, video: DescribedFile) -> str:
        """Store (or replace) one described video, its description and entries, in one transaction.

        The video keeps its id, name and ownership if its content was already stored (under this
        path or another); the path's earlier content, if any, goes.

        Returns:
            The video's id.
        """
        entries, vectors = video.entries, video.vectors
        if vectors is not None and len(vectors) != len(entries):
            raise ValueError(f"{len(vectors)} vectors for {len(entries)} entries")
        blobs: list[bytes | None] = (
            [v.astype(np.float16).tobytes() for v in vectors] if vectors is not None else [None] * len(entries))
        vid = video_id(video.sha256)
        compressed = zlib.compress(video.description_json.encode("utf-8"), 6)
        with self._transaction() as db:
            before = db.execute("SELECT name, owned, added_at, path FROM videos WHERE vid = ?", (vid,)).fetchone()
            name = video.name or (before[0] if before else os.path.basename(video.path))
            owned, added_at = (before[1], before[2]) if before else (0, time.time())
            path = before[3] if before and before[1] else video.path  # an upload stays where the store keeps it
            db.execute("DELETE FROM videos WHERE vid = ? OR path = ?", (vid, path))  # entries go by cascade
            row = db.execute(
                "INSERT INTO videos (vid, path, name, sha256, kind, status, owned, settings_key, duration, info,"
                " summary, failures, modules, embedding_model, added_at, described_at)"
                " VALUES (?, ?, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (vid, path, name, video.sha256, _kind(video.info), owned, video.settings_key,
                 float(video.info.get("duration") or 0), json.dumps(video.info), video.summary,
                 json.dumps(video.failures), json.dumps(video.modules),
                 video.embedding_model if vectors is not None else None, added_at, time.time()),
            ).lastrowid
            db.execute("INSERT INTO descriptions (video_id, json) VALUES (?, ?)", (row, compressed))
            db.executemany(
                'INSERT INTO entries (video_id, event_ids, start, "end", module, text, data, embedding)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(row, json.dumps(list(e.ids)), e.start, e.end, e.module, e.text,
                  json.dumps(e.model_dump(mode="json")["data"]), blob)
                 for e, blob in zip(entries, blobs)],
            )
            _bump_entries_generation(db)
        return vid

    def set_status(self, vid: str, status: Status, error: str | None = None) -> bool:
        """Mark a video queued, describing or failed (with its one-line ``error``); False if it is gone."""
        with self._transaction() as db:
            return bool(db.execute("UPDATE videos SET status = ?, error = ? WHERE vid = ?",
                                   (status, error, vid)).rowcount)

    def fail(self, path: str, *, sha256: str, name: str | None, info: dict[str, Any] | None, error: str,
             settings_key: str) -> str:
        """Record that describing the file at ``path`` failed (its earlier description, if any, stays)."""
        vid = video_id(sha256)
        with self._transaction() as db:
            updated = db.execute("UPDATE videos SET status = 'failed', error = ? WHERE vid = ?", (error, vid)).rowcount
            if not updated:
                if db.execute("DELETE FROM videos WHERE path = ?", (path,)).rowcount:
                    _bump_entries_generation(db)
                info = info or {}
                db.execute(
                    "INSERT INTO videos (vid, path, name, sha256, kind, status, error, settings_key, duration, info,"
                    " summary, failures, added_at) VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?, '', '[]', ?)",
                    (vid, path, name or os.path.basename(path), sha256, _kind(info), error, settings_key,
                     float(info.get("duration") or 0), json.dumps(info), time.time()))
        return vid

    def remove(self, vids: Iterable[str]) -> list[VideoRecord]:
        """Remove these videos and their conversations; returns those that were here."""
        removed = []
        with self._transaction() as db:
            for vid in vids:
                record = _record(db, "v.vid = ?", (vid,))
                if record is not None:
                    db.execute("DELETE FROM videos WHERE vid = ?", (vid,))
                    db.execute("DELETE FROM conversations WHERE vid = ?", (vid,))
                    removed.append(record)
            if removed:
                _bump_entries_generation(db)
        return removed

    # --- reading videos ----------------------------------------------------------------------
    def state(self, path: str) -> tuple[str, str, bool] | None:
        """``(sha256, settings_key, complete)`` of the video stored for ``path``, or None."""
        row = self._db.execute("SELECT sha256, settings_key, failures, status FROM videos WHERE path = ?",
                               (path,)).fetchone()
        return None if row is None else (row[0], row[1], row[2] == "[]" and row[3] == "done")

    def video(self, vid: str) -> VideoRecord | None:
        return _record(self._db, "v.vid = ?", (vid,))

    def by_path(self, path: str) -> VideoRecord | None:
        return _record(self._db, "v.path = ?", (path,))

    def videos(self, *, offset: int = 0, limit: int | None = None, name: str | None = None,
               status: Sequence[Status] = (), order: Literal["path", "added"] = "path") -> list[VideoRecord]:
        """Videos, by path (or oldest first), optionally only those whose name contains ``name``
        (case-insensitive) or with one of these statuses."""
        where, params = _filters(name, status)
        rows = self._db.execute(
            f"SELECT {_VIDEO_COLUMNS} FROM videos v WHERE {where} ORDER BY {_ORDER[order]} LIMIT ? OFFSET ?",
            (*params, -1 if limit is None else limit, offset)).fetchall()
        return [_to_record(r) for r in rows]

    def total(self, *, name: str | None = None, status: Sequence[Status] = ()) -> int:
        where, params = _filters(name, status)
        return self._db.execute(f"SELECT count(*) FROM videos WHERE {where}", params).fetchone()[0]

    def description_json(self, vid: str) -> str | None:
        """The stored description of a described video, as JSON (None if not described)."""
        row = self._db.execute("SELECT d.json FROM descriptions d JOIN videos v ON v.id = d.video_id"
                               " WHERE v.vid = ?", (vid,)).fetchone()
        return None if row is None else zlib.decompress(row[0]).decode("utf-8")

    def video_info(self, vid: str) -> dict[str, Any] | None:
        """A video's `VideoInfo` as stored (a live stream's grows as it is described)."""
        row = self._db.execute("SELECT info FROM videos WHERE vid = ?", (vid,)).fetchone()
        return None if row is None else json.loads(row[0])

    def names(self, vids: Iterable[str]) -> dict[str, str]:
        """Each video's name, by id (ids not in the library are left out)."""
        rows = self._db.execute("SELECT vid, name FROM videos WHERE vid IN (SELECT value FROM json_each(?))",
                                (json.dumps(list(vids)),)).fetchall()
        return dict(rows)

    def modules(self, vids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each video's module records (what its modules' findings mean), by video id."""
        rows = self._db.execute("SELECT vid, modules FROM videos WHERE vid IN (SELECT value FROM json_each(?))",
                                (json.dumps(list(vids)),)).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def count(self) -> tuple[int, int]:
        """``(videos, entries)``."""
        videos = self._db.execute("SELECT count(*) FROM videos").fetchone()[0]
        entries = self._db.execute("SELECT count(*) FROM entries").fetchone()[0]
        return videos, entries

    def generation(self) -> int:
        """Changes whenever anyone (any connection, any process) adds or removes entries."""
        return self._db.execute("SELECT value FROM meta WHERE key = 'entries_generation'").fetchone()[0]

    def full_text(self, query: str, limit: int) -> list[int]:
        """Entry row ids matching an FTS5 ``query``, best (lowest bm25) first."""
        rows = self._db.execute(
            "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY bm25(entries_fts) LIMIT ?",
            (query, limit)).fetchall()
        return [r[0] for r in rows]

    def vectors(self, embedding_model: str) -> tuple[np.ndarray, np.ndarray]:
        """``(row ids, float32 matrix)`` of every entry embedded with ``embedding_model``."""
        with self._snapshot() as db:
            rows = db.execute(
                "SELECT e.id, e.embedding FROM entries e JOIN videos v ON v.id = e.video_id"
                " WHERE v.embedding_model = ? AND e.embedding IS NOT NULL ORDER BY e.id", (embedding_model,)).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), -1)
        return ids, matrix.astype(np.float32)

    def entries(self, rowids: Sequence[int]) -> dict[int, StoredEntry]:
        """The entries with these row ids (with their video's id and name), by row id."""
        rows = self._db.execute(
            'SELECT e.id, v.vid, v.name, e.start, e."end", e.module, e.text, e.event_ids, e.data FROM entries e'
            " JOIN videos v ON v.id = e.video_id WHERE e.id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in rowids]),)).fetchall()
        return {r[0]: StoredEntry(rowid=r[0], video=r[1], name=r[2], start=r[3], end=r[4], module=r[5], text=r[6],
                                  event_ids=tuple(json.loads(r[7])), data=json.loads(r[8])) for r in rows}

    def _snapshot(self) -> "_Transaction":
        """A read transaction: several statements see one state of the file."""
        return _Transaction(self._db, "BEGIN")

    # --- conversations -----------------------------------------------------------------------
    def save_turn(self, conversation: str, vid: str | None, turn: StoredTurn, *, keep_turns: int) -> None:
        """Append a question and its answer to a conversation (started if new), keeping the last ``keep_turns``."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT turns FROM conversations WHERE id = ?", (conversation,)).fetchone()
            turns = json.loads(row[0]) if row else []
            turns = [*turns, {"question": turn.question, "answer": turn.answer, "citations": turn.citations}]
            turns = turns[-keep_turns:]
            if row is None:
                db.execute("INSERT INTO conversations (id, vid, turns, started, used) VALUES (?, ?, ?, ?, ?)",
                           (conversation, vid, json.dumps(turns), now, now))
            else:
                db.execute("UPDATE conversations SET turns = ?, used = ?, ended = 0 WHERE id = ?",
                           (json.dumps(turns), now, conversation))

    def conversation(self, conversation: str) -> StoredConversation | None:
        row = self._db.execute("SELECT id, vid, turns, ended FROM conversations WHERE id = ?",
                               (conversation,)).fetchone()
        return None if row is None else _to_conversation(row)

    def current_conversation(self, vid: str | None) -> StoredConversation | None:
        """The conversation about ``vid`` (None: across the library) used last, unless it was ended."""
        row = self._db.execute(
            "SELECT id, vid, turns, ended FROM conversations WHERE vid IS ? ORDER BY used DESC LIMIT 1",
            (vid,)).fetchone()
        return None if row is None or row[3] else _to_conversation(row)

    def end_conversations(self, vid: str | None) -> None:
        """"New conversation": the ones about ``vid`` (None: across) are no longer current."""
        with self._transaction() as db:
            db.execute("UPDATE conversations SET ended = 1 WHERE vid IS ?", (vid,))

    def expire_conversations(self, older_than: float) -> int:
        """Forget conversations unused since ``older_than`` (seconds since the epoch)."""
        with self._transaction() as db:
            return db.execute("DELETE FROM conversations WHERE used < ?", (older_than,)).rowcount

    # --- live streams (videochat_text.live) ----------------------------------------------------
    def start_live(self, path: str, *, sha256: str, name: str, info: dict[str, Any], modules: dict[str, Any],
                   description_json: str, settings_key: str) -> str:
        """Add a stream being watched (status ``live``): a video with no events yet, whose stretches
        `append_stretch` adds as they are described. ``description_json``: its `Description` without
        events (what the modules are, the settings). Returns its id."""
        vid = video_id(sha256)
        with self._transaction() as db:
            db.execute("DELETE FROM videos WHERE vid = ? OR path = ?", (vid, path))
            row = db.execute(
                "INSERT INTO videos (vid, path, name, sha256, kind, status, owned, settings_key, duration, info,"
                " summary, failures, modules, added_at, described_at, started_at)"
                " VALUES (?, ?, ?, ?, ?, 'live', 0, ?, 0, ?, '', '[]', ?, ?, ?, ?)",
                (vid, path, name, sha256, _kind(info), settings_key, json.dumps(info), json.dumps(modules),
                 time.time(), time.time(), info["started_at"])).lastrowid
            db.execute("INSERT INTO descriptions (video_id, json) VALUES (?, ?)",
                       (row, zlib.compress(description_json.encode("utf-8"), 6)))
        return vid

    def append_stretch(self, vid: str, seq: int, *, start: float, end: float, events: Sequence[Event],
                       entries: Sequence[Event],
                       vectors: np.ndarray | None, embedding_model: str | None, info: dict[str, Any],
                       failures: list[dict[str, str]]) -> bool:
        """Add one described stretch ``[start, end]`` of a live stream: its events, and its timeline entries
        (searchable at once), in one transaction; the video's duration and info follow. False if the
        video is gone (removed while it was watched)."""
        if vectors is not None and len(vectors) != len(entries):
            raise ValueError(f"{len(vectors)} vectors for {len(entries)} entries")
        blobs = [v.astype(np.float16).tobytes() for v in vectors] if vectors is not None else [None] * len(entries)
        dumped = [e.model_dump(mode="json") for e in events]
        with self._transaction() as db:
            found = db.execute("SELECT id FROM videos WHERE vid = ?", (vid,)).fetchone()
            if found is None:
                return False
            row = found[0]
            db.execute('INSERT OR REPLACE INTO stretches (video_id, seq, start, "end", events) VALUES (?, ?, ?, ?, ?)',
                       (row, seq, start, end, zlib.compress(json.dumps(dumped).encode("utf-8"), 6)))
            db.executemany(
                'INSERT INTO entries (video_id, event_ids, start, "end", module, text, data, embedding)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(row, json.dumps(list(e.ids)), e.start, e.end, e.module, e.text,
                  json.dumps(e.model_dump(mode="json")["data"]), blob) for e, blob in zip(entries, blobs)])
            db.execute("UPDATE videos SET duration = ?, info = ?, failures = ?, described_at = ?,"
                       " embedding_model = coalesce(?, embedding_model) WHERE id = ?",
                       (float(info.get("duration") or 0), json.dumps(info), json.dumps(failures), time.time(),
                        embedding_model if vectors is not None else None, row))
            _bump_entries_generation(db)
        return True

    def end_live(self, vid: str) -> None:
        """The watch stopped: the stream is an ordinary (finished) video from now on."""
        with self._transaction() as db:
            db.execute("UPDATE videos SET status = 'done' WHERE vid = ? AND status = 'live'", (vid,))

    def stretch_events(self, vid: str, start: float | None = None, end: float | None = None) -> list[dict[str, Any]]:
        """A live stream's events (as JSON values), in stretch order; only the stretches that reach into
        ``[start, end]`` when given. Empty for a file."""
        rows = self._db.execute(
            'SELECT s.events FROM stretches s JOIN videos v ON v.id = s.video_id WHERE v.vid = ?'
            ' AND s."end" >= ? AND s.start <= ? ORDER BY s.seq',
            (vid, -1.0 if start is None else start, float("inf") if end is None else end)).fetchall()
        return [event for (blob,) in rows for event in json.loads(zlib.decompress(blob))]

    def stretch_spans(self, vid: str) -> list[tuple[float, float]]:
        """A live stream's described stretches ``(start, end)``, in the order they were described."""
        rows = self._db.execute('SELECT s.start, s."end" FROM stretches s JOIN videos v ON v.id = s.video_id'
                                " WHERE v.vid = ? ORDER BY s.seq", (vid,)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def add_rule(self, vid: str, text: str, webhook: str | None = None) -> int | None:
        """A watch rule on a stream (None if the video is gone); the watcher picks it up."""
        with self._transaction() as db:
            found = db.execute("SELECT id FROM videos WHERE vid = ?", (vid,)).fetchone()
            if found is None:
                return None
            return db.execute("INSERT INTO rules (video_id, text, webhook, added_at) VALUES (?, ?, ?, ?)",
                              (found[0], text, webhook, time.time())).lastrowid

    def rules(self, vid: str) -> list[dict[str, Any]]:
        """``[{"id", "text", "webhook"}]``, oldest first."""
        rows = self._db.execute("SELECT r.id, r.text, r.webhook FROM rules r JOIN videos v ON v.id = r.video_id"
                                " WHERE v.vid = ? ORDER BY r.id", (vid,)).fetchall()
        return [{"id": r[0], "text": r[1], "webhook": r[2]} for r in rows]

    def remove_rule(self, vid: str, rule_id: int) -> bool:
        with self._transaction() as db:
            return bool(db.execute("DELETE FROM rules WHERE id = ? AND video_id = (SELECT id FROM videos WHERE vid = ?)",
                                   (rule_id, vid)).rowcount)

    def add_alert(self, vid: str, *, rule: str, start: float, end: float, module: str, text: str,
                  event_ids: Sequence[str]) -> int | None:
        """Record that a rule matched (the page shows it as a toast); None if the video is gone."""
        with self._transaction() as db:
            found = db.execute("SELECT id FROM videos WHERE vid = ?", (vid,)).fetchone()
            if found is None:
                return None
            return db.execute(
                'INSERT INTO alerts (video_id, rule, start, "end", module, text, event_ids, at)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (found[0], rule, start, end, module, text, json.dumps(list(event_ids)), time.time())).lastrowid

    def alerts(self, vid: str, *, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """``[{"id", "rule", "start", "end", "module", "text", "event_ids", "at"}]`` with ids past ``after``."""
        rows = self._db.execute(
            'SELECT a.id, a.rule, a.start, a."end", a.module, a.text, a.event_ids, a.at FROM alerts a'
            " JOIN videos v ON v.id = a.video_id WHERE v.vid = ? AND a.id > ? ORDER BY a.id LIMIT ?",
            (vid, after, limit)).fetchall()
        return [{"id": r[0], "rule": r[1], "start": r[2], "end": r[3], "module": r[4], "text": r[5],
                 "event_ids": json.loads(r[6]), "at": r[7]} for r in rows]


_ORDER = {"path": "v.path", "added": "v.added_at, v.id"}


def _filters(name: str | None, status: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
    clauses, params = ["1"], []
    if name:
        clauses.append("instr(lower(name), lower(?)) > 0")
        params.append(name)
    if status:
        clauses.append("status IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(status)))
    return " AND ".join(clauses), tuple(params)


def _record(db: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> VideoRecord | None:
    row = db.execute(f"SELECT {_VIDEO_COLUMNS} FROM videos v WHERE {where}", params).fetchone()
    return None if row is None else _to_record(row)


def _to_record(r: tuple) -> VideoRecord:
    return VideoRecord(id=r[0], name=r[1], path=r[2], sha256=r[3], kind=r[4], status=r[5], error=r[6], owned=bool(r[7]),
                       settings_key=r[8], duration=r[9], summary=r[10], failures=json.loads(r[11]), added_at=r[12],
                       described_at=r[13], entries=r[14], started_at=r[15])


def _to_conversation(row: tuple) -> StoredConversation:
    turns = [StoredTurn(t["question"], t["answer"], t.get("citations") or []) for t in json.loads(row[2])]
    return StoredConversation(id=row[0], video=row[1], turns=turns, ended=bool(row[3]))


def _kind(info: dict[str, Any]) -> str:
    return "audio" if info.get("has_video") is False else "video"


def _bump_entries_generation(db: sqlite3.Connection) -> None:
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'entries_generation'")


def _fill_version_2(db: sqlite3.Connection) -> None:
    """Give version-1 rows their id, name and kind; a file stored twice (two paths, one content)
    keeps its first row, since one content is one video now."""
    seen: set[str] = set()
    for row, path, sha256, info in db.execute("SELECT id, path, sha256, info FROM videos ORDER BY added_at, id").fetchall():
        vid = video_id(sha256)
        if vid in seen:
            log.warning("library: %s holds the same file as another video; kept once", path)
            db.execute("DELETE FROM videos WHERE id = ?", (row,))
            continue
        seen.add(vid)
        db.execute("UPDATE videos SET vid = ?, name = ?, kind = ? WHERE id = ?",
                   (vid, os.path.basename(path), _kind(json.loads(info)), row))
    db.execute("CREATE UNIQUE INDEX videos_vid ON videos(vid)")
    db.execute("CREATE INDEX videos_added ON videos(added_at)")


def _execute(db: sqlite3.Connection, script: str) -> None:
    for statement in _statements(script):  # executescript() would commit our transaction
        db.execute(statement)


def _statements(script: str) -> list[str]:
    """A script cut into whole statements (a trigger's body holds semicolons of its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception (Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE"):
        self._db = db
        self._begin = begin

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute(self._begin)
        return self._db

    def __exit__(self, exc_type, exc, tb) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
