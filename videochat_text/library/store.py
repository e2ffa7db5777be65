"""The library's SQLite file: videos, their timeline entries, a full-text index and embeddings.

One file, WAL mode, so searches read while a describe run writes, and two ``library
add`` processes can write to one library: every change is one ``BEGIN IMMEDIATE``
transaction (a writer waits for the other instead of failing on a stale snapshot),
and a video's entries are replaced whole, so a crash or a second writer never leaves
half a video or a video twice.

The schema is created here at open and versioned with ``PRAGMA user_version``. The
full-text index is an FTS5 table over ``entries.text`` kept in sync by triggers, the
same layout sqlite-utils' ``enable_fts(create_triggers=True)`` makes. Embeddings are
float16 blobs beside each entry (half the disk of float32, and cosine ranking does not
notice); `vectors` loads them as one matrix. All SQL is parameterized.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import LibraryError
from ..timeline import Event

SCHEMA_VERSION = 1
_BUSY_TIMEOUT_S = 60.0
"""How long a writer waits for another process's transaction (one video's rows) to finish."""

_SCHEMA = """
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


@dataclass(frozen=True)
class VideoRecord:
    """One video as the library holds it."""

    path: str
    sha256: str
    settings_key: str
    duration: float
    summary: str
    failures: list[dict[str, str]]
    """Modules that failed on it (a later ``add`` describes it again)."""
    entries: int
    added_at: float


@dataclass(frozen=True)
class StoredEntry:
    """A timeline entry of one video, as search returns it."""

    rowid: int
    video: str
    start: float
    end: float
    module: str
    text: str
    event_ids: tuple[str, ...]


class LibraryStore:
    """The SQLite file behind a `Library` (one connection; open one store per process or thread)."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self._writes = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), never opened implicitly.
            self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a power cut may lose the last commit, never corrupt
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise LibraryError(f"library {self.path}: cannot open it as a library ({exc})") from None
        except OSError as exc:
            raise LibraryError(f"library {self.path}: {exc.strerror or exc}") from None

    def _migrate(self) -> None:
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise LibraryError(f"library {self.path} was written by a newer videochat-text "
                                   f"(schema {version}, this one knows {SCHEMA_VERSION}): upgrade")
            if version < SCHEMA_VERSION:
                for statement in _statements(_SCHEMA):  # executescript() would commit our transaction
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    def _transaction(self) -> "_Transaction":
        self._writes += 1
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()

    # --- writing -------------------------------------------------------------------------
    def put_video(
        self,
        path: str,
        *,
        sha256: str,
        settings_key: str,
        duration: float,
        info: dict[str, Any],
        summary: str,
        failures: list[dict[str, str]],
        entries: Sequence[Event],
        vectors: np.ndarray | None,
        embedding_model: str | None,
    ) -> None:
        """Store (or replace) one video and its entries, all in one transaction."""
        if vectors is not None and len(vectors) != len(entries):
            raise ValueError(f"{len(vectors)} vectors for {len(entries)} entries")
        blobs: list[bytes | None] = (
            [v.astype(np.float16).tobytes() for v in vectors] if vectors is not None else [None] * len(entries))
        with self._transaction():
            self._db.execute("DELETE FROM videos WHERE path = ?", (path,))  # its entries go by cascade
            cursor = self._db.execute(
                "INSERT INTO videos (path, sha256, settings_key, duration, info, summary, failures, embedding_model,"
                " added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (path, sha256, settings_key, duration, json.dumps(info), summary, json.dumps(failures),
                 embedding_model if vectors is not None else None, time.time()),
            )
            video_id = cursor.lastrowid
            self._db.executemany(
                'INSERT INTO entries (video_id, event_ids, start, "end", module, text, data, embedding)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(video_id, json.dumps(list(e.ids)), e.start, e.end, e.module, e.text, json.dumps(e.model_dump(mode="json")["data"]), blob)
                 for e, blob in zip(entries, blobs)],
            )

    def remove(self, paths: Iterable[str]) -> list[str]:
        """Remove these videos; returns the paths that were in the library."""
        removed = []
        with self._transaction():
            for path in paths:
                if self._db.execute("DELETE FROM videos WHERE path = ?", (path,)).rowcount:
                    removed.append(path)
        return removed

    # --- reading -------------------------------------------------------------------------
    def state(self, path: str) -> tuple[str, str, bool] | None:
        """``(sha256, settings_key, complete)`` of a stored video, or None if it is not stored."""
        row = self._db.execute("SELECT sha256, settings_key, failures FROM videos WHERE path = ?", (path,)).fetchone()
        return None if row is None else (row[0], row[1], row[2] == "[]")

    def videos(self) -> list[VideoRecord]:
        rows = self._db.execute(
            "SELECT v.path, v.sha256, v.settings_key, v.duration, v.summary, v.failures, v.added_at,"
            " (SELECT count(*) FROM entries e WHERE e.video_id = v.id) FROM videos v ORDER BY v.path").fetchall()
        return [VideoRecord(path=r[0], sha256=r[1], settings_key=r[2], duration=r[3], summary=r[4],
                            failures=json.loads(r[5]), added_at=r[6], entries=r[7]) for r in rows]

    def count(self) -> tuple[int, int]:
        """``(videos, entries)``."""
        videos = self._db.execute("SELECT count(*) FROM videos").fetchone()[0]
        entries = self._db.execute("SELECT count(*) FROM entries").fetchone()[0]
        return videos, entries

    def generation(self) -> tuple[int, int]:
        """Changes whenever anyone commits a change: SQLite's ``data_version`` counts other
        connections' commits, our own counter this one's."""
        return self._db.execute("PRAGMA data_version").fetchone()[0], self._writes

    def full_text(self, query: str, limit: int) -> list[int]:
        """Entry row ids matching an FTS5 ``query``, best (lowest bm25) first."""
        rows = self._db.execute(
            "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY bm25(entries_fts) LIMIT ?",
            (query, limit)).fetchall()
        return [r[0] for r in rows]

    def vectors(self, embedding_model: str) -> tuple[np.ndarray, np.ndarray]:
        """``(row ids, float32 matrix)`` of every entry embedded with ``embedding_model``."""
        rows = self._db.execute(
            "SELECT e.id, e.embedding FROM entries e JOIN videos v ON v.id = e.video_id"
            " WHERE v.embedding_model = ? AND e.embedding IS NOT NULL ORDER BY e.id", (embedding_model,)).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16).reshape(len(rows), -1)
        return ids, matrix.astype(np.float32)

    def entries(self, rowids: Sequence[int]) -> dict[int, StoredEntry]:
        """The entries with these row ids (with their video's path), by row id."""
        rows = self._db.execute(
            'SELECT e.id, v.path, e.start, e."end", e.module, e.text, e.event_ids FROM entries e'
            " JOIN videos v ON v.id = e.video_id WHERE e.id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in rowids]),)).fetchall()
        return {r[0]: StoredEntry(rowid=r[0], video=r[1], start=r[2], end=r[3], module=r[4], text=r[5],
                                  event_ids=tuple(json.loads(r[6]))) for r in rows}


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

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
