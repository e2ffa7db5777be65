"""Describing many videos at once: in worker processes on this machine, or in Ray actors.

Each worker holds one `VideoChat` (so its models load once) and the embedding model,
and turns a path into a `DescribedVideo`: the description and its entries' vectors.
Results come back to the driver, which alone writes the library. A worker that dies
(out of memory, a crash in native code, a lost node) costs its video a retry, not the
batch: the pool is rebuilt (or Ray restarts the actor) and the video is tried again,
``library.retries`` times.

Runners take paths from a `Feed` (a fixed list for ``library add``, a server's uploads as
they come), report each video's progress (the stage its worker is at), and yield `Outcome`s
as videos finish, in any order.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Protocol

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class DescribedVideo:
    """What a worker sends back: plain JSON and one array, cheap to pickle and the same on Ray."""

    path: str
    description_json: str
    vectors: np.ndarray | None
    """One row per `timeline_entries` of the description, or None without the embedding model."""
    embedding_model: str | None
    seconds: float


@dataclass
class Outcome:
    path: str
    result: DescribedVideo | None = None
    error: str | None = None
    """One line: why this video could not be described."""


Started = Callable[[str], None]
"""Called with a path when a worker is given it."""
Progress = Callable[[str, str, int, "int | None"], None]
"""``(path, stage, done, total)`` while a worker describes ``path`` (``total`` None while unknown)."""
PROGRESS_EVERY_S = 0.25
"""A worker reports progress at most this often (and at every new stage)."""


class Feed:
    """The paths to describe: a fixed list (`of`), or a server's uploads as they come (`put`, then
    `close` when no more will).

    Example:
        >>> feed = Feed.of(["a.mp4", "b.mp4"])
        >>> feed.take(timeout=0)
        'a.mp4'
    """

    def __init__(self) -> None:
        self._paths: deque[str] = deque()
        self._closed = False
        self._changed = threading.Condition()

    @classmethod
    def of(cls, paths: Iterable[str]) -> "Feed":
        feed = cls()
        feed._paths.extend(paths)
        feed._closed = True
        return feed

    def put(self, path: str) -> None:
        with self._changed:
            self._paths.append(path)
            self._changed.notify_all()

    def discard(self, path: str) -> None:
        """Take ``path`` back out if no runner has taken it yet."""
        with self._changed:
            try:
                self._paths.remove(path)
            except ValueError:
                pass

    def close(self) -> None:
        """No more paths will come: runners finish the ones they have and return."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def take(self, timeout: float | None) -> str | None:
        """The next path, waiting up to ``timeout`` seconds (None: until one comes or the feed is
        closed); None if there is none."""
        with self._changed:
            self._changed.wait_for(lambda: self._paths or self._closed, timeout)
            return self._paths.popleft() if self._paths else None

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def exhausted(self) -> bool:
        """Closed, and every path taken."""
        with self._changed:
            return self._closed and not self._paths


class Runner(Protocol):
    def run(self, feed: Feed, started: Started, progress: Progress | None = None) -> Iterator[Outcome]: ...

    def stop(self) -> None:
        """From another thread: end the run now, dropping the videos in flight (a server shutting down)."""


# --- the work itself (runs in a worker) -------------------------------------------------
class Describer:
    """A `VideoChat` plus the embedding model; one per worker process or Ray actor."""

    def __init__(self, settings: dict[str, Any], threads: int = 0, videochat: Any = None):
        """
        Args:
            videochat: describe with this `VideoChat` (in the caller's process) instead of a new one.
        """
        if threads:
            _limit_threads(threads)
        from ..videochat import VideoChat

        self.vc = videochat or VideoChat(settings)
        self._embeddings: Any = None
        self._embeddings_failed = False
        self._progress: tuple[str, str, int, int | None] | None = None

    def describe(self, path: str, progress: Progress | None = None) -> Outcome:
        """Never raises for a bad video: the error comes back as the outcome's one line."""
        from ..errors import VideoChatError

        def report(stage: str, done: int, total: int | None) -> None:
            self._progress = (path, stage, done, total)
            if progress is not None:
                progress(path, stage, done, total)

        started = time.perf_counter()
        try:
            description = self.vc.describe(path, progress=report)
            report("embedding entries", 0, None)
            vectors, model = self._embed(description)
        except VideoChatError as exc:
            return Outcome(path, error=str(exc))
        except Exception as exc:  # one bad video must not stop the worker
            log.warning("%s: describing failed", path, exc_info=True)
            return Outcome(path, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._progress = None
        return Outcome(path, DescribedVideo(path, description.to_json(indent=None), vectors, model,
                                            time.perf_counter() - started))

    def progress(self) -> tuple[str, str, int, int | None] | None:
        """``(path, stage, done, total)`` of the video being described, or None (read by Ray's driver)."""
        return self._progress

    def _embed(self, description) -> tuple[np.ndarray | None, str | None]:
        from ..retrieval import embeddings_id, entry_text, make_embeddings
        from ..timeline import timeline_entries

        settings = self.vc.settings.retrieval
        if self._embeddings is None and not self._embeddings_failed:
            try:
                self._embeddings = make_embeddings(settings)
            except Exception as exc:  # search still works on words alone
                self._embeddings_failed = True
                log.warning("no embeddings for the library (%s); search will use words only", exc)
        if self._embeddings is None:
            return None, None
        texts = [entry_text(e) for e in timeline_entries(description)]
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), embeddings_id(settings)
        vectors = np.asarray(self._embeddings.embed_documents(texts), dtype=np.float32).reshape(len(texts), -1)
        return vectors, embeddings_id(settings)


def _limit_threads(threads: int) -> None:
    """Workers share the cores: each gets its slice instead of every one starting a thread per core
    (read by torch, CTranslate2, OpenMP and BLAS when they load, so set before any model loads)."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    try:
        import cv2

        cv2.setNumThreads(threads)
    except ImportError:
        pass


WORKER_MEMORY_BYTES = 1.5e9
"""Room for one worker's models (Whisper, the detector, torch with MiniLM: ~1 GB) and a video's frames."""


def default_workers(cpus: int | None = None, memory_bytes: float | None = None) -> int:
    """One worker per core, as many as memory holds (at least one). Measured on 2 idle cores
    (README): two single-threaded workers describe 1.5x faster than one worker with two threads,
    since these models gain little from a second thread on short clips."""
    cpus = cpus or os.cpu_count() or 1
    if memory_bytes is None:
        try:
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):  # not on every platform
            memory_bytes = cpus * WORKER_MEMORY_BYTES
    return max(1, min(cpus, int(memory_bytes // WORKER_MEMORY_BYTES)))


def threads_per_worker(workers: int, cpus: int | None = None) -> int:
    cpus = cpus or os.cpu_count() or 1
    return max(1, cpus // max(1, workers))


# --- in this process ------------------------------------------------------------------------
class InProcessRunner:
    """Describes one video after another in the calling thread (the Python API with
    ``in_process=True``; a server describing in its own process runs one per worker thread)."""

    def __init__(self, settings: dict[str, Any], videochat: Any = None):
        self.settings = settings
        self._videochat = videochat
        self._describer: Describer | None = None
        self._stopping = False

    def stop(self) -> None:
        """No new video is started; a describe in this process cannot be interrupted: it runs to its
        end (its thread is a daemon)."""
        self._stopping = True

    def run(self, feed: Feed, started: Started, progress: Progress | None = None) -> Iterator[Outcome]:
        while not self._stopping and (path := feed.take(timeout=None)) is not None:
            if self._describer is None:
                self._describer = Describer(self.settings, videochat=self._videochat)
            started(path)
            yield self._describer.describe(path, progress)


# --- worker processes on this machine -------------------------------------------------------
_worker: Describer | None = None
_report_progress: Progress | None = None


def _init_worker(settings: dict[str, Any], threads: int, progress: Any = None) -> None:
    import signal

    global _worker, _report_progress
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle: it stops the workers
    _worker = Describer(settings, threads)
    _report_progress = _Throttled(progress.put) if progress is not None else None


def _describe_in_worker(path: str) -> Outcome:
    assert _worker is not None, "the pool's initializer did not run"
    return _worker.describe(path, _report_progress)


class _Throttled:
    """Progress sent on at most every `PROGRESS_EVERY_S` (and at every new stage): decoding reports
    every frame, and each report crosses a process boundary."""

    def __init__(self, send: Callable[[tuple[str, str, int, int | None]], None]):
        self._send = send
        self._stage: tuple[str, str] | None = None
        self._at = 0.0

    def __call__(self, path: str, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if (path, stage) != self._stage or now - self._at >= PROGRESS_EVERY_S or (total is not None and done >= total):
            self._stage, self._at = (path, stage), now
            self._send((path, stage, done, total))


class _ProgressChannel:
    """Worker processes put ``(path, stage, done, total)`` on a queue; a thread here hands each to
    ``progress``.

    Nothing is ever put on the queue from this process: a worker killed while it was putting
    (`_stop_workers`, Ctrl-C) keeps the queue's write lock for ever, and a sentinel put here would
    leave this process's feeder thread waiting for that lock — which Python joins at exit, so the
    process never ended (pytest after "1091 passed", in CI). The drain thread stops on an event.
    """

    def __init__(self, context: Any, progress: Progress):
        self.queue = context.Queue()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._drain, args=(progress,), name="worker-progress", daemon=True)
        self._thread.start()

    def _drain(self, progress: Progress) -> None:
        while not self._closed.is_set():
            try:
                item = self.queue.get(timeout=0.25)
            except queue.Empty:
                continue
            except (EOFError, OSError):  # the queue was closed under it
                return
            try:
                progress(*item)
            except Exception:  # a progress display must not stop the results
                log.exception("progress callback failed")

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)


@dataclass
class ProcessPoolRunner:
    """``workers`` processes (started with spawn: no inherited threads or model state), each
    holding one `Describer`; a video is given to a worker only when it is free, so at most
    ``workers`` videos are in flight and an interrupted run loses only those."""

    settings: dict[str, Any]
    workers: int
    retries: int = 2
    idle_s: float | None = None
    """Stop the worker processes (and free their models' memory) after this long without a video;
    they start again for the next one. None: keep them until the feed is exhausted."""
    _attempts: dict[str, int] = field(default_factory=dict)
    _pool: Any = None
    _stopping: bool = False

    def stop(self) -> None:
        self._stopping = True
        if self._pool is not None:
            _stop_workers(self._pool)

    def run(self, feed: Feed, started: Started, progress: Progress | None = None) -> Iterator[Outcome]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        context = multiprocessing.get_context("spawn")
        channel: _ProgressChannel | None = None  # made with the first pool: an idle server holds no queue
        pool: Any = None
        retry: deque[str] = deque()
        running: dict[Any, str] = {}
        try:
            while True:
                while len(running) < self.workers and not self._stopping:
                    path = retry.popleft() if retry else feed.take(
                        timeout=0 if running else (self.idle_s if pool is not None else None))
                    if path is None:
                        break
                    if pool is None:
                        if channel is None and progress is not None:
                            channel = _ProgressChannel(context, progress)
                        pool = self._pool = self._start(context, channel)
                    running[pool.submit(_describe_in_worker, path)] = path
                    started(path)
                if not running:
                    if (feed.exhausted and not retry) or self._stopping:
                        return
                    if pool is not None and not retry:  # idle for idle_s: free the workers until the next video
                        pool.shutdown(wait=True)
                        pool = self._pool = None
                    continue
                done, _ = wait(running, timeout=None if len(running) >= self.workers else 0.25,
                               return_when=FIRST_COMPLETED)
                if self._stopping:
                    return
                broken = False
                for future in done:
                    path = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        yield from self._died(path, retry)
                if broken:  # every video still running shared the dead pool: each costs one try
                    for path in running.values():
                        yield from self._died(path, retry)
                    running.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = self._pool = None
                    log.warning("a worker process died; starting new workers for the %d videos left", len(retry))
        except BaseException:  # Ctrl-C, or the caller stopped early: the videos in flight are dropped
            if pool is not None:
                _stop_workers(pool)
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            if channel is not None:
                channel.close()

    def _start(self, context: Any, channel: _ProgressChannel | None) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                   initargs=(self.settings, threads_per_worker(self.workers),
                                             channel.queue if channel is not None else None))

    def _died(self, path: str, retry: deque[str]) -> Iterator[Outcome]:
        """Queue ``path`` to be tried again, or give its failure after ``retries`` tries."""
        self._attempts[path] = self._attempts.get(path, 0) + 1
        if self._attempts[path] <= self.retries:
            retry.appendleft(path)
            return
        yield Outcome(path, error=f"the worker process died while describing it ({self._attempts[path]} times: "
                                  "out of memory, or a crash in a model library)")


def _stop_workers(pool: Any) -> None:
    """End the pool's processes now (``shutdown`` alone waits for the videos they are on)."""
    processes = getattr(pool, "_processes", None) or {}  # private, but Python < 3.14 has no terminate_workers()
    for process in list(processes.values()):
        process.kill()


# --- Ray --------------------------------------------------------------------------------------
@dataclass
class RayRunner:
    """The same work on Ray: one ``Describer`` actor per worker (models loaded once per actor).

    ``address`` None starts a local Ray with ``workers`` CPUs; otherwise this connects to that
    cluster (``ray start --head`` printed it) and starts up to one actor per CPU it has, or
    ``workers``. Ray restarts an actor that died and runs its video again (``max_restarts`` /
    ``max_task_retries`` = ``retries``); a video that still fails is reported, and a fresh actor
    takes the dead one's place. Progress is read from the actors (each answers while it works).
    """

    settings: dict[str, Any]
    address: str | None = None
    workers: int = 0
    retries: int = 2
    _stopping: bool = False

    def stop(self) -> None:
        self._stopping = True  # the run notices within half a second, and kills its actors

    def run(self, feed: Feed, started: Started, progress: Progress | None = None) -> Iterator[Outcome]:
        import sys

        from ..errors import VideoChatError

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline by design: no usage reports
        if not self.address and "ray" not in sys.modules:
            # A local Ray is one node: keep it on the loopback. Otherwise Ray binds to (and talks over)
            # the machine's network address. Ray reads this once, when it is imported.
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        import ray

        own = not ray.is_initialized()
        environment = dict(os.environ)  # ray.init() sets variables (e.g. RAY_AUTH_MODE) for its own cluster
        if own:
            try:
                if self.address:
                    ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
                else:
                    # address="local": a new instance, never another program's Ray running on this machine
                    ray.init(address="local", num_cpus=self.workers or os.cpu_count() or 1, include_dashboard=False,
                             logging_level=logging.WARNING, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise VideoChatError(f"cannot connect to Ray at {self.address or 'a new local instance'}: {exc}") from None
        try:
            yield from self._run(ray, feed, started, progress)
        finally:
            if own:
                ray.shutdown()
                _restore_environment(environment)

    def _run(self, ray, feed: Feed, started: Started, progress: Progress | None) -> Iterator[Outcome]:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        log.info("describing on Ray at %s: %d nodes, %d CPUs", self.address or "a local instance", nodes, cpus)
        count = max(1, self.workers or cpus)
        # A local Ray shares this machine's cores like the process pool; on a cluster Ray gives each
        # actor as many threads as CPUs it asked for (one).
        threads = 0 if self.address else threads_per_worker(count)
        # Two threads per actor: one describes, the other answers `progress` meanwhile.
        actor_class = ray.remote(num_cpus=1, max_restarts=self.retries, max_task_retries=self.retries,
                                 max_concurrency=2)(Describer)
        idle: list[Any] = []
        running: dict[Any, tuple[str, Any]] = {}
        try:
            while True:
                while len(running) < count and not self._stopping:
                    path = feed.take(timeout=0 if running else None)
                    if path is None:
                        break
                    actor = idle.pop() if idle else actor_class.remote(self.settings, threads)
                    running[actor.describe.remote(path)] = (path, actor)
                    started(path)
                if not running:
                    if feed.exhausted or self._stopping:
                        return
                    continue
                done, _ = ray.wait(list(running), num_returns=1, timeout=0.5)
                if self._stopping:
                    return
                for ref in done:
                    path, actor = running.pop(ref)
                    try:
                        yield ray.get(ref)
                        idle.append(actor)
                    except ray.exceptions.RayActorError as exc:
                        # Ray already restarted it and retried the video `retries` times.
                        yield Outcome(path, error=f"the Ray actor describing it died ({_first_line(exc)})")
                if progress is not None and running:
                    _report_actors(ray, running.values(), progress)
        finally:
            for actor in idle + [a for _, a in running.values()]:
                ray.kill(actor)


def _report_actors(ray, running: Iterable[tuple[str, Any]], progress: Progress) -> None:
    """Ask each busy actor how far it is, and pass it on."""
    refs = [actor.progress.remote() for _, actor in running]
    try:
        reports = ray.get(refs, timeout=5)
    except Exception:  # an actor restarting, or a slow node: the next round asks again
        return
    for report in reports:
        if report is not None:
            progress(*report)


def _restore_environment(before: dict[str, str]) -> None:
    """Undo what ``ray.init`` set, variable by variable (never clearing the whole environment, which
    other threads may be reading)."""
    for key in [k for k in os.environ if k not in before]:
        os.environ.pop(key, None)
    for key, value in before.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
