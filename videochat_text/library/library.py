"""`Library`: many videos described once, then searched and asked across.

Example:
    >>> from videochat_text.library import Library
    >>> library = Library.from_config("config.yaml")
    >>> report = library.add(["lectures/"], workers=2)     # or ray=True, ray="HOST:6379"
    >>> library.search("budget", top_k=5)[0].video
    >>> print(library.ask("Which lecture mentions the password?").citations[0].video)
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..cache import DescriptionCache
from ..config import Settings, load_settings
from ..errors import LibraryError, VideoChatError
from ..timeline import SCHEMA_VERSION as DESCRIPTION_SCHEMA
from .search import CANDIDATES, Moment, fts_query, fuse
from .store import LibraryStore, VideoRecord

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts",
    ".3gp", ".ogv",
    # audio: speech alone still makes a searchable transcript
    ".mp3", ".wav", ".m4a", ".aac", ".flac", ".ogg", ".opus",
})
"""What a folder given to `Library.add` is searched for (files named directly are taken as they are)."""

AddProgress = Callable[[int, int, str], None]
"""``(videos done, videos to describe, the file being described)``."""


@dataclass
class AddReport:
    """What `Library.add` did, per file."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    """Already in the library with the same content and settings: nothing done."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(path, one-line error)``; everything else was kept."""


class Library:
    """A searchable collection of described videos in one SQLite file (`LibraryStore`).

    Describing runs in worker processes (or on Ray); searching and asking run here.
    Heavy models load on first use: the embedding model for `search`, the chat model
    for `ask`.
    """

    def __init__(self, settings: Settings | dict[str, Any] | None = None, *, path: str | Path | None = None,
                 chat_model: Any = None, **overrides: Any):
        """
        Args:
            path: the library file (default: ``library.path``, else ``library.sqlite`` in ``cache.dir``).
            chat_model: a LangChain chat model for `ask` instead of the configured one.
        """
        self.settings = load_settings(settings, **overrides)
        where = path or self.settings.library.path or Path(self.settings.cache.dir) / "library.sqlite"
        self.store = LibraryStore(Path(where).expanduser())
        self._chat_model = chat_model
        self._embeddings: Any = None
        self._vector_search: Any = None

    @classmethod
    def from_config(cls, config: str | Path | dict[str, Any] | None = None, **overrides: Any) -> "Library":
        return cls(load_settings(config, **overrides))

    @property
    def path(self) -> Path:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    # --- adding ------------------------------------------------------------------------------
    def add(
        self,
        paths: Iterable[str | Path],
        *,
        workers: int | None = None,
        ray: str | bool | None = None,
        in_process: bool = False,
        progress: AddProgress | None = None,
    ) -> AddReport:
        """Describe the videos under ``paths`` (files, folders searched recursively, globs) and store them.

        A file already stored with the same content and settings is skipped; a changed one is
        described again; one whose modules failed last time is tried again. Each video is written
        as soon as it is done, so an interrupted run keeps them and the next run does the rest.

        Args:
            workers: worker processes on this machine (None: ``library.workers``; 0: one per core, as memory allows),
                or Ray actors (0: one per CPU).
            ray: describe on Ray instead: True for a new local Ray, or a cluster address.
            in_process: describe here, one video after another (no worker processes): for
                debugging, and for callers that already hold the cores.
        """
        from .workers import InProcessRunner, ProcessPoolRunner, RayRunner, default_workers

        report = AddReport()
        files, missing = expand_paths(paths)
        report.failed += [(p, "no video or audio files in this folder" if os.path.isdir(os.path.expanduser(p))
                           else "no such file or folder (nor files matching it)") for p in missing]
        cache = DescriptionCache(self.settings.cache.dir)
        settings_key = describe_settings_key(self.settings)
        todo: list[str] = []
        digests: dict[str, str] = {}
        for path in files:
            try:
                digests[path] = cache.video_digest(path)
            except OSError as exc:
                report.failed.append((path, f"cannot read it: {exc.strerror or exc}"))
                continue
            if self.store.state(path) == (digests[path], settings_key, True):
                report.unchanged.append(path)
            else:
                todo.append(path)
        if not todo:
            return report
        config = self.settings.public_dump()  # workers never chat: no secrets sent to them
        retries = self.settings.library.retries
        if workers is None:
            workers = self.settings.library.workers  # 0: the runner's default
        if in_process:
            runner: Any = InProcessRunner(config)
        elif ray:  # 0 workers: one actor per CPU of the cluster (or of this machine for a local Ray)
            runner = RayRunner(config, address=None if ray is True else str(ray), workers=workers, retries=retries)
        else:
            workers = workers or default_workers()
            runner = ProcessPoolRunner(config, workers=min(workers, len(todo)), retries=retries)
        done = 0
        notify = progress or (lambda done, total, current: None)
        notify(0, len(todo), "")

        def started(path: str) -> None:
            notify(done, len(todo), path)

        for outcome in runner.run(todo, started):
            if outcome.result is None:
                report.failed.append((outcome.path, outcome.error or "failed"))
            else:
                failures = self._store(outcome.result, digests[outcome.path], settings_key)
                report.added.append(outcome.path)
                report.failed += [(outcome.path, f"module {f['module']} failed: {f['error']}") for f in failures]
            done += 1
            notify(done, len(todo), outcome.path)
        return report

    def _store(self, described, sha256: str, settings_key: str) -> list[dict[str, str]]:
        from ..timeline import Description, timeline_entries

        description = Description.from_json(described.description_json)
        entries = timeline_entries(description)
        vectors = described.vectors if described.vectors is not None and len(described.vectors) == len(entries) else None
        failures = [f.model_dump(mode="json") for f in description.failures]
        self.store.put_video(
            described.path, sha256=sha256, settings_key=settings_key, duration=description.video.duration,
            info=description.video.model_dump(mode="json"),
            summary=description.summary.text if description.summary else "", failures=failures,
            entries=entries, vectors=vectors, embedding_model=described.embedding_model)
        return failures

    # --- reading ------------------------------------------------------------------------------
    def list(self) -> list[VideoRecord]:
        """Every video in the library, by path."""
        return self.store.videos()

    def remove(self, paths: Iterable[str | Path]) -> list[str]:
        """Remove these videos (files or folders: everything stored under them).

        Raises:
            LibraryError: a path names nothing in the library.
        """
        stored = [v.path for v in self.store.videos()]
        chosen: list[str] = []
        for path in paths:
            full = os.path.abspath(os.path.expanduser(str(path)))
            under = [p for p in stored if p == full or p.startswith(full.rstrip(os.sep) + os.sep)]
            if not under:
                raise LibraryError(f"{path}: not in the library {self.path} (`videochat-text library list` shows it)")
            chosen += under
        return self.store.remove(dict.fromkeys(chosen))

    def prune(self) -> list[str]:
        """Remove the videos whose files no longer exist; returns their paths."""
        return self.store.remove([v.path for v in self.store.videos() if not os.path.exists(v.path)])

    def search(self, query: str, *, top_k: int | None = None) -> list[Moment]:
        """The moments across all videos that best match ``query``: full text and meaning, fused.

        Raises:
            LibraryError: the query has no words.
        """

        top_k = top_k or self.settings.library.top_k
        match = fts_query(query)
        if match is None:
            raise LibraryError("the search query has no words")
        rankings = [self.store.full_text(match, CANDIDATES)]
        vector_search = self._vectors()
        if vector_search is not None:
            rankings.append(vector_search.search(query, CANDIDATES))
        best = fuse(rankings)[:top_k]
        rows = self.store.entries([rowid for rowid, _ in best])
        return [Moment(video=r.video, start=r.start, end=r.end, module=r.module, text=r.text, score=score,
                       event_ids=r.event_ids)
                for rowid, score in best if (r := rows.get(rowid)) is not None]

    def _vectors(self):
        """The embeddings search, or None (with a warning once) when the embedding model cannot run."""
        if self._vector_search is None and self._embeddings is not False:
            from ..retrieval import embeddings_id, make_embeddings
            from .search import VectorSearch

            try:
                self._embeddings = make_embeddings(self.settings.retrieval)
            except VideoChatError as exc:
                log.warning("searching by words only: %s", exc)
                self._embeddings = False
                return None
            self._vector_search = VectorSearch(self.store, self._embeddings, embeddings_id(self.settings.retrieval))
        return self._vector_search

    # --- asking -------------------------------------------------------------------------------
    def ask(self, question: str, *, top_k: int | None = None):
        """Answer ``question`` from the best moments across all videos, citing video and time.

        Returns:
            `videochat_text.answering.Answer`; each citation has its ``video``.

        Raises:
            LibraryError: the library is empty.
            ChatModelError: the chat model could not answer.
        """
        from ..chat_models import make_chat_model
        from .answering import answer_from_moments

        videos = self.store.count()[0]
        if not videos:
            raise LibraryError(f"the library {self.path} is empty: add videos with `videochat-text library add PATH`")
        moments = self.search(question, top_k=top_k or self.settings.library.ask_top_k)
        if self._chat_model is None:
            self._chat_model = make_chat_model(self.settings.chat)
        return answer_from_moments(self._chat_model, self.settings, question, moments, videos=videos)


def describe_settings_key(settings: Settings) -> str:
    """What a stored description depends on besides the file: its perception, module and summary
    settings. Another key means the video is described again."""
    relevant = {"schema": DESCRIPTION_SCHEMA, "perception": settings.perception.model_dump(mode="json"),
                "modules": settings.modules, "summary": settings.summary.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[str]]:
    """``(video files, arguments that matched nothing)``: files as given, folders searched
    recursively for `VIDEO_EXTENSIONS`, globs (``*``, ``?``, ``[``, ``**``) expanded. Absolute
    paths, each once, in order."""
    files: list[str] = []
    missing: list[str] = []
    for raw in paths:
        text = os.path.expanduser(str(raw))
        if os.path.exists(text):
            matches = [text]
        elif any(c in text for c in "*?["):
            matches = sorted(glob.glob(text, recursive=True))
        else:
            matches = []
        found = []
        for match in matches:
            if os.path.isdir(match):
                found += sorted(str(p) for p in Path(match).rglob("*")
                                if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file())
            elif os.path.isfile(match) and (match == text or Path(match).suffix.lower() in VIDEO_EXTENSIONS):
                found.append(match)
        if not found:
            missing.append(str(raw))  # an empty folder too: nothing to add is worth saying
        files += [os.path.abspath(f) for f in found]
    return list(dict.fromkeys(files)), missing


__all__: Sequence[str] = ["AddReport", "Library", "Moment", "VIDEO_EXTENSIONS", "describe_settings_key",
                          "expand_paths"]
