"""Describing many videos at once: in worker processes on this machine, or in Ray actors.

Each worker holds one `VideoChat` (so its models load once) and the embedding model,
and turns a path into a `DescribedVideo`: the description and its entries' vectors.
Results come back to the driver, which alone writes the library. A worker that dies
(out of memory, a crash in native code, a lost node) costs its video a retry, not the
batch: the pool is rebuilt (or Ray restarts the actor) and the video is tried again,
``library.retries`` times.

Runners yield `Outcome`s as videos finish, in any order.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

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


class Runner(Protocol):
    def run(self, paths: Sequence[str], started: Started) -> Iterator[Outcome]: ...


# --- the work itself (runs in a worker) -------------------------------------------------
class Describer:
    """A `VideoChat` plus the embedding model; one per worker process or Ray actor."""

    def __init__(self, settings: dict[str, Any], threads: int = 0):
        if threads:
            _limit_threads(threads)
        from ..videochat import VideoChat

        self.vc = VideoChat(settings)
        self._embeddings: Any = None
        self._embeddings_failed = False

    def describe(self, path: str) -> Outcome:
        """Never raises for a bad video: the error comes back as the outcome's one line."""
        from ..errors import VideoChatError

        started = time.perf_counter()
        try:
            description = self.vc.describe(path)
            vectors, model = self._embed(description)
        except VideoChatError as exc:
            return Outcome(path, error=str(exc))
        except Exception as exc:  # one bad video must not stop the worker
            log.warning("%s: describing failed", path, exc_info=True)
            return Outcome(path, error=f"{type(exc).__name__}: {exc}")
        return Outcome(path, DescribedVideo(path, description.to_json(indent=None), vectors, model,
                                            time.perf_counter() - started))

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
    """Describes one video after another in the calling process (the Python API with ``workers=0``)."""

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self._describer: Describer | None = None

    def run(self, paths: Sequence[str], started: Started) -> Iterator[Outcome]:
        for path in paths:
            if self._describer is None:
                self._describer = Describer(self.settings)
            started(path)
            yield self._describer.describe(path)


# --- worker processes on this machine -------------------------------------------------------
_worker: Describer | None = None


def _init_worker(settings: dict[str, Any], threads: int) -> None:
    import signal

    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle: it stops the workers
    _worker = Describer(settings, threads)


def _describe_in_worker(path: str) -> Outcome:
    assert _worker is not None, "the pool's initializer did not run"
    return _worker.describe(path)


@dataclass
class ProcessPoolRunner:
    """``workers`` processes (started with spawn: no inherited threads or model state), each
    holding one `Describer`; a video is given to a worker only when it is free, so at most
    ``workers`` videos are in flight and an interrupted run loses only those."""

    settings: dict[str, Any]
    workers: int
    retries: int = 2
    _attempts: dict[str, int] = field(default_factory=dict)

    def run(self, paths: Sequence[str], started: Started) -> Iterator[Outcome]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        todo = deque(paths)
        threads = threads_per_worker(self.workers)
        while todo:
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_worker, initargs=(self.settings, threads))
            running: dict[Any, str] = {}
            broken = False
            try:
                while (todo or running) and not broken:
                    while todo and len(running) < self.workers:
                        path = todo.popleft()
                        running[pool.submit(_describe_in_worker, path)] = path
                        started(path)
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        path = running.pop(future)
                        try:
                            yield future.result()
                        except BrokenProcessPool:
                            broken = True
                            retry = self._died(path)
                            if retry is None:
                                todo.appendleft(path)
                            else:
                                yield retry
                if broken:  # every video still running shared the dead pool: each costs one try
                    for path in running.values():
                        retry = self._died(path)
                        if retry is None:
                            todo.appendleft(path)
                        else:
                            yield retry
                    log.warning("a worker process died; starting new workers for the %d videos left", len(todo))
            except BaseException:  # Ctrl-C, or the caller stopped early: the videos in flight are dropped
                _stop_workers(pool)
                raise
            finally:
                pool.shutdown(wait=not broken, cancel_futures=True)

    def _died(self, path: str) -> Outcome | None:
        """None: try ``path`` again; else its failure, after ``retries`` tries."""
        self._attempts[path] = self._attempts.get(path, 0) + 1
        if self._attempts[path] <= self.retries:
            return None
        return Outcome(path, error=f"the worker process died while describing it ({self._attempts[path]} times: "
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
    cluster (``ray start --head`` printed it) and starts one actor per CPU it has, or ``workers``.
    Ray restarts an actor that died and runs its video again (``max_restarts`` /
    ``max_task_retries`` = ``retries``); a video that still fails is reported, and a fresh actor
    takes the dead one's place.
    """

    settings: dict[str, Any]
    address: str | None = None
    workers: int = 0
    retries: int = 2

    def run(self, paths: Sequence[str], started: Started) -> Iterator[Outcome]:
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
                    ray.init(num_cpus=self.workers or os.cpu_count() or 1, include_dashboard=False,
                             logging_level=logging.WARNING, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise VideoChatError(f"cannot connect to Ray at {self.address or 'a new local instance'}: {exc}") from None
        try:
            yield from self._run(ray, list(paths), started)
        finally:
            if own:
                ray.shutdown()
                os.environ.clear()
                os.environ.update(environment)

    def _run(self, ray, paths: list[str], started: Started) -> Iterator[Outcome]:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        log.info("describing on Ray at %s: %d nodes, %d CPUs", self.address or "a local instance", nodes, cpus)
        count = max(1, min(self.workers or cpus, len(paths)))
        # A local Ray shares this machine's cores like the process pool; on a cluster Ray gives each
        # actor as many threads as CPUs it asked for (one).
        threads = 0 if self.address else threads_per_worker(count)
        actor_class = ray.remote(num_cpus=1, max_restarts=self.retries, max_task_retries=self.retries)(Describer)
        idle = [actor_class.remote(self.settings, threads) for _ in range(count)]
        todo = deque(paths)
        running: dict[Any, tuple[str, Any]] = {}
        try:
            while todo or running:
                while todo and idle:
                    actor, path = idle.pop(), todo.popleft()
                    running[actor.describe.remote(path)] = (path, actor)
                    started(path)
                done, _ = ray.wait(list(running), num_returns=1)
                for ref in done:
                    path, actor = running.pop(ref)
                    try:
                        yield ray.get(ref)
                        idle.append(actor)
                    except ray.exceptions.RayActorError as exc:
                        # Ray already restarted it and retried the video `retries` times.
                        yield Outcome(path, error=f"the Ray actor describing it died ({_first_line(exc)})")
                        idle.append(actor_class.remote(self.settings, threads))
        finally:
            for actor in idle + [a for _, a in running.values()]:
                ray.kill(actor)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
