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
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from ..cache import DescriptionCache
from ..config import Settings, load_settings
from ..errors import LibraryError, UnknownVideoError, VideoChatError
from ..timeline import SCHEMA_VERSION as DESCRIPTION_SCHEMA
from .search import CANDIDATES, SEARCH_DEPTH, Moment, fts_query, fuse
from .store import DescribedFile, LibraryStore, StoredEntry, VideoRecord, video_id
from .workers import Feed, Outcome, Runner

if TYPE_CHECKING:
    from ..timeline import Description
    from .across import LibrarySession

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
    for `ask`. Safe to share between threads (a server's).
    """

    def __init__(self, settings: Settings | dict[str, Any] | None = None, *, path: str | Path | None = None,
                 chat_model: Any = None, query_threads: int | None = None, **overrides: Any):
        """
        Args:
            path: the library file (default: ``library.path``, else ``library.sqlite`` in ``cache.dir``).
            chat_model: a LangChain chat model for `ask` instead of the configured one.
            query_threads: torch threads, set when the embedding model loads (process-wide: for a
                process that embeds one query at a time, like the CLI or a server; None: torch's default).
        """
        self.settings = load_settings(settings, **overrides)
        self.store = LibraryStore(Path(path or default_library_path(self.settings)).expanduser())
        self._chat_model = chat_model
        self._query_threads = query_threads
        self._answerer: Any = None
        self._embeddings: Any = None
        self._vector_search: Any = None
        self._setup = threading.Lock()

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
        described again; one whose modules failed, or whose describing failed, is tried again.
        Each video is written as soon as it is done, so an interrupted run keeps them and the
        next run does the rest.

        Args:
            workers: worker processes on this machine (None: ``library.workers``; 0: one per core, as memory allows),
                or Ray actors (0: one per CPU).
            ray: describe on Ray instead: True for a new local Ray, or a cluster address (None: ``library.ray``).
            in_process: describe here, one video after another (no worker processes): for
                debugging, and for callers that already hold the cores.
        """
        report = AddReport()
        files, missing = expand_paths(paths)
        report.failed += [(p, "no video or audio files in this folder" if os.path.isdir(os.path.expanduser(p))
                           else "no such file or folder (nor files matching it)") for p in missing]
        todo, digests = self._to_describe(files, report)
        if not todo:
            return report
        runner = make_runner(self.settings, workers=workers, ray=ray, in_process=in_process, videos=len(todo))
        done = 0
        notify = progress or (lambda done, total, current: None)
        notify(0, len(todo), "")

        def started(path: str) -> None:
            notify(done, len(todo), path)

        for outcome in runner.run(Feed.of(todo), started):
            failures = self.store_outcome(outcome, digests[outcome.path])
            if outcome.result is None:
                report.failed.append((outcome.path, outcome.error or "failed"))
            else:
                report.added.append(outcome.path)
                report.failed += [(outcome.path, f"module {f['module']} failed: {f['error']}") for f in failures]
            done += 1
            notify(done, len(todo), outcome.path)
        return report

    def _to_describe(self, files: list[str], report: AddReport) -> tuple[list[str], dict[str, str]]:
        """The files that need describing, and every readable file's SHA-256."""
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
            same = self.store.video(video_id(digests[path]))
            if self.store.state(path) == (digests[path], settings_key, True) or (
                    same is not None and same.path != path and os.path.exists(same.path)
                    and self.store.state(same.path) == (digests[path], settings_key, True)):
                report.unchanged.append(path)  # this file, or the same bytes under another name, is stored
            else:
                todo.append(path)
        return todo, digests

    def store_outcome(self, outcome: Outcome, sha256: str, *, name: str | None = None) -> list[dict[str, str]]:
        """Write what a worker sent back: the described video, or its failure (shown by ``list``
        and the API until it is described again). Returns the modules that failed on it."""
        settings_key = describe_settings_key(self.settings)
        if outcome.result is None:
            self.store.fail(outcome.path, sha256=sha256, name=name, info=None, error=outcome.error or "failed",
                            settings_key=settings_key)
            return []
        from ..timeline import Description, timeline_entries

        described = outcome.result
        description = Description.from_json(described.description_json)
        entries = timeline_entries(description)
        vectors = described.vectors if described.vectors is not None and len(described.vectors) == len(entries) else None
        failures = [f.model_dump(mode="json") for f in description.failures]
        self.store.put_video(DescribedFile(
            path=outcome.path, sha256=sha256, settings_key=settings_key, info=description.video.model_dump(mode="json"),
            summary=description.summary.text if description.summary else "", failures=failures,
            modules={k: m.model_dump(mode="json") for k, m in description.modules.items()}, entries=entries,
            vectors=vectors, embedding_model=described.embedding_model, description_json=described.description_json,
            name=name))
        return failures

    # --- reading ------------------------------------------------------------------------------
    def list(self, *, offset: int = 0, limit: int | None = None, name: str | None = None) -> list[VideoRecord]:
        """Videos in the library, by path; ``name``: only those whose name contains it (any case)."""
        return self.store.videos(offset=offset, limit=limit, name=name)

    def video(self, video: str) -> VideoRecord:
        """The video with this id, or at this path.

        Raises:
            LibraryError: nothing in the library is.
        """
        found = self.store.video(video) or self.store.by_path(os.path.abspath(os.path.expanduser(video)))
        if found is None:
            raise UnknownVideoError(f"no video {video!r} in the library {self.path} "
                                    "(`videochat-text library list` shows them)")
        return found

    def description(self, video: str, *, span: tuple[float, float] | None = None) -> "Description | None":
        """The stored description of a described video (by id), or None while it is not described.

        A live stream's (`videochat_text.live`) holds what has been described so far; ``span``
        ``(start, end)``: only its events that reach into that stretch of time.
        """
        from ..timeline import Description

        text = self.store.description_json(video)
        if text is None:
            return None
        description = Description.from_json(text)
        if not description.video.is_live:
            return description
        events = self.store.stretch_events(video, *(span or (None, None)))
        if span is not None:
            events = [e for e in events if e["end"] >= span[0] and e["start"] <= span[1]]
        head = description.model_dump(mode="json", exclude={"events", "video"})
        return Description.model_validate({**head, "video": self.store.video_info(video), "events": events})

    def remove(self, videos: Iterable[str | Path]) -> list[VideoRecord]:
        """Remove these videos: ids, files, or folders (everything stored under them). Files the
        library owns (uploads to a server) are deleted with them; others are not touched.

        Raises:
            LibraryError: an argument names nothing in the library.
        """
        stored = self.store.videos()
        chosen: list[str] = []
        for given in videos:
            full = os.path.abspath(os.path.expanduser(str(given)))
            under = [v.id for v in stored if v.id == str(given) or v.path == full
                     or v.path.startswith(full.rstrip(os.sep) + os.sep)]
            if not under:
                raise UnknownVideoError(f"{given}: not in the library {self.path} "
                                        "(`videochat-text library list` shows it)")
            chosen += under
        removed = self.store.remove(dict.fromkeys(chosen))
        for record in removed:
            if record.owned:
                Path(record.path).unlink(missing_ok=True)
                Path(record.path).with_suffix(".json").unlink(missing_ok=True)
        return removed

    def prune(self) -> list[VideoRecord]:
        """Remove the videos whose files no longer exist (streams stay); returns them."""
        return self.store.remove([v.id for v in self.store.videos()
                                  if v.started_at is None and not os.path.exists(v.path)])  # a stream is no file

    def search(self, query: str, *, top_k: int | None = None, offset: int = 0) -> list[Moment]:
        """The moments across all videos that best match ``query``: full text and meaning, fused.

        Raises:
            LibraryError: the query has no words.
        """
        top_k = top_k or self.settings.library.top_k
        return self._moments(self._fused(query, max(CANDIDATES, offset + top_k))[offset:offset + top_k])

    def search_page(self, query: str, *, offset: int = 0, limit: int = 20) -> tuple[list[Moment], int]:
        """A page of `search`'s moments, and how many it found (up to `SEARCH_DEPTH` by each ranking)."""
        fused = self._fused(query, max(SEARCH_DEPTH, offset + limit))
        return self._moments(fused[offset:offset + limit]), len(fused)

    def ranked(self, query: str, *, top_k: int | None = None, offset: int = 0) -> list[tuple[StoredEntry, float]]:
        """`search`'s hits as stored entries (with their data), with their scores."""
        top_k = top_k or self.settings.library.top_k
        best = self._fused(query, max(CANDIDATES, offset + top_k))[offset:offset + top_k]
        rows = self.store.entries([rowid for rowid, _ in best])
        return [(row, score) for rowid, score in best if (row := rows.get(rowid)) is not None]

    def _moments(self, best: list[tuple[int, float]]) -> list[Moment]:
        rows = self.store.entries([rowid for rowid, _ in best])
        return [Moment(video=e.video, name=e.name, start=e.start, end=e.end, module=e.module, text=e.text,
                       score=score, event_ids=e.event_ids)
                for rowid, score in best if (e := rows.get(rowid)) is not None]

    def _fused(self, query: str, depth: int) -> list[tuple[int, float]]:
        """Entry row ids and scores, best first: each ranking ``depth`` deep, fused."""
        match = fts_query(query)
        if match is None:
            raise LibraryError("the search query has no words")
        rankings = [self.store.full_text(match, depth)]
        vector_search = self._vectors()
        if vector_search is not None:
            rankings.append(vector_search.search(query, depth))
        return fuse(rankings)

    def _vectors(self):
        """The embeddings search, or None (with a warning once) when the embedding model cannot run."""
        with self._setup:
            if self._vector_search is None and self._embeddings is not False:
                from ..retrieval import embeddings_id, make_embeddings
                from .search import VectorSearch, limit_query_threads

                try:
                    self._embeddings = make_embeddings(self.settings.retrieval)
                except VideoChatError as exc:
                    log.warning("searching by words only: %s", exc)
                    self._embeddings = False
                    return None
                if self._query_threads:
                    limit_query_threads(self._query_threads)
                self._vector_search = VectorSearch(self.store, self._embeddings, embeddings_id(self.settings.retrieval))
            return self._vector_search

    # --- asking -------------------------------------------------------------------------------
    def chat(self, answerer: Any = None) -> "LibrarySession":
        """Start a conversation across every video (`LibrarySession`); ``answerer``: the
        `videochat_text.answering.Answerer` to answer with (default: one for this library's settings)."""
        from .across import LibrarySession

        def rank(query: str, k: int) -> list[StoredEntry]:
            return [entry for entry, _ in self.ranked(query, top_k=k)]

        return LibrarySession(self.store, rank, answerer or self._default_answerer(),
                              top_k=self.settings.library.ask_top_k)

    def ask(self, question: str):
        """Answer ``question`` from the best moments across all videos, citing video and time
        (one question; `chat` remembers earlier ones).

        Returns:
            `videochat_text.answering.Answer`; each citation's ``video`` is the video's id.

        Raises:
            LibraryError: the library is empty.
            ChatModelError: the chat model could not answer.
        """
        return self.chat().ask(question)

    def _default_answerer(self):
        with self._setup:
            if self._answerer is None:
                from .across import library_answerer

                self._answerer = library_answerer(self.settings, self._chat_model)
            return self._answerer


def default_library_path(settings: Settings) -> Path:
    """``library.path``, else ``library.sqlite`` in ``cache.dir``."""
    return Path(settings.library.path or Path(settings.cache.dir) / "library.sqlite").expanduser()


def make_runner(settings: Settings, *, workers: int | None = None, ray: str | bool | None = None,
                in_process: bool = False, videos: int | None = None, idle_s: float | None = None,
                videochat: Any = None) -> Runner:
    """The runner that describes: in this process, in worker processes, or on Ray.

    Args:
        workers: processes or Ray actors (None: ``library.workers``; 0: the runner's default).
        ray: True or ``"local"`` for a new local Ray, an address for a cluster (None: ``library.ray``).
        videos: how many videos there are, when known (no more workers than that are started).
        idle_s: worker processes stop after this long without a video (a server's queue).
        videochat: the `VideoChat` to describe with in this process.
    """
    from .workers import InProcessRunner, ProcessPoolRunner, RayRunner, default_workers

    config = settings.public_dump()  # workers never chat: no secrets sent to them
    retries = settings.library.retries
    if workers is None:
        workers = settings.library.workers  # 0: the runner's default
    ray = settings.library.ray if ray is None else ray
    from ..modules import run_time_modules

    here = run_time_modules() & set(settings.perception.modules)
    if here and not in_process:
        log.warning("describing in this process: module(s) %s are registered at run time, unknown to "
                    "worker processes", ", ".join(sorted(here)))
    if in_process or here:
        return InProcessRunner(config, videochat)
    if ray:  # 0 workers: one actor per CPU of the cluster (or of this machine for a local Ray)
        address = None if ray is True or ray == "local" else str(ray)
        return RayRunner(config, address=address, workers=workers, retries=retries)
    workers = workers or default_workers()
    return ProcessPoolRunner(config, workers=min(workers, videos or workers), retries=retries, idle_s=idle_s)


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


__all__: Sequence[str] = ["AddReport", "Library", "Moment", "VIDEO_EXTENSIONS", "default_library_path",
                          "describe_settings_key", "expand_paths", "make_runner"]
