"""llama.cpp as the local chat model runs it: the CPU code chosen at run time, prefixes kept.

Two things make a local answer take seconds instead of half a minute:

- **The CPU backend that fits this CPU.** llama.cpp built with ``GGML_BACKEND_DL`` and
  ``GGML_CPU_ALL_VARIANTS`` (the Makefile does) ships one ``libggml-cpu-<variant>.so`` per CPU
  generation (``haswell``: AVX2, ``skylakex``/``icelake``/``zen4``: AVX-512, …) and loads none by
  itself. `load_cpu_backend` loads the best one this CPU runs — never an AMX one: some VMs report
  AMX in CPUID without enabling it, and llama.cpp's scoring does not ask the OS (a native build
  died with SIGSEGV on the first token). A build with the CPU code linked in needs nothing.
- **Evaluated prompt prefixes, kept.** The chat prompt starts with the instructions and the whole
  video description, byte-identical for every question about one video. llama-cpp-python's
  `Llama.generate` already reuses the longest token prefix the context holds from the previous
  call; `PrefixLlama` adds what it cannot: the KV state of each description prefix saved to disk
  once evaluated (`KeptStates`, beside the description cache) and loaded when a prompt starts
  with it, so a first question — in a new process, or after questions about another video —
  evaluates only its own tokens.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
from array import array
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import llama_cpp
from llama_cpp import Llama

log = logging.getLogger(__name__)

CPU_VARIANT_ENV = "VIDEOCHAT_TEXT_LLAMA_CPU"
"""Names the CPU variant to load instead of the best one (e.g. ``haswell``), to measure or work around one."""
_AMX_VARIANTS = ("sapphirerapids",)
"""Variants that need AMX (tile registers): never chosen, whatever CPUID says."""

_loaded_variant: str | None = None


def cpu_variants(lib_dir: Path | None = None) -> dict[str, Path]:
    """The CPU backends this llama.cpp build ships, by variant name (empty: CPU code built in)."""
    lib_dir = lib_dir or Path(llama_cpp.__file__).parent / "lib"
    return {p.name[len("libggml-cpu-"):-len(".so")]: p for p in sorted(lib_dir.glob("libggml-cpu-*.so"))}


def _score(path: Path) -> int:
    """llama.cpp's own score of a CPU variant on this CPU (0: it cannot run here)."""
    import _ctypes

    handle = ctypes.CDLL(str(path), mode=os.RTLD_LOCAL)
    try:
        score = getattr(handle, "ggml_backend_score", None)
        if score is None:
            return 0
        score.restype = ctypes.c_int
        return int(score())
    finally:
        _ctypes.dlclose(handle._handle)


def load_cpu_backend(variant: str | None = None) -> str:
    """Load the CPU backend once per process and return its variant name (``built-in`` when
    the build has its CPU code linked in).

    Args:
        variant: load this one instead of the best (default: `CPU_VARIANT_ENV` if set).

    Raises:
        RuntimeError: the named variant is not in this build, or none can run on this CPU.
    """
    global _loaded_variant
    if _loaded_variant is not None:
        return _loaded_variant
    variants = cpu_variants()
    wanted = variant or os.environ.get(CPU_VARIANT_ENV) or None
    if wanted is not None and wanted not in variants:
        raise RuntimeError(f"{CPU_VARIANT_ENV}={wanted}: this llama.cpp build has {', '.join(variants) or 'no variants'}")
    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    # The copy libllama loaded (by its soname): a wheel stores libggml.so and libggml.so.0 as two files,
    # and a backend registered in the other copy is one llama.cpp never sees ("no backends are loaded").
    soname = lib_dir / "libggml.so.0"
    libggml = ctypes.CDLL(str(soname if soname.exists() else lib_dir / "libggml.so"))
    libggml.ggml_backend_reg_by_name.argtypes = [ctypes.c_char_p]
    libggml.ggml_backend_reg_by_name.restype = ctypes.c_void_p
    libggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    libggml.ggml_backend_load.restype = ctypes.c_void_p
    if libggml.ggml_backend_reg_by_name(b"CPU"):  # linked in (or loaded by someone else): nothing to choose
        _loaded_variant = "built-in"
        return _loaded_variant
    if wanted is None and variants:
        scores = {name: _score(path) for name, path in variants.items() if name not in _AMX_VARIANTS}
        wanted = max(scores, key=lambda name: scores[name])
        if scores[wanted] == 0:
            raise RuntimeError(f"none of llama.cpp's CPU backends ({', '.join(variants)}) runs on this CPU")
    path = variants[wanted] if wanted else lib_dir / "libggml-cpu.so"  # a loadable build with one CPU backend
    # llama-cpp-python prints every ggml message until a Llama sets its logger's level: the CLI
    # printed "load_backend: loaded CPU backend from …" before each answer. Our own log says it.
    ggml_messages = logging.getLogger("llama-cpp-python")
    if ggml_messages.level == logging.NOTSET:
        ggml_messages.setLevel(logging.ERROR)  # what Llama(verbose=False) sets
    if not libggml.ggml_backend_load(str(path).encode()):
        raise RuntimeError(f"llama.cpp could not load its CPU backend {path}")
    _loaded_variant = wanted or "cpu"
    log.info("llama.cpp CPU backend: %s", _loaded_variant)
    return _loaded_variant


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _tokens_in(path: Path) -> int:
    return int(path.stem.partition("-")[0])


def _digest(tokens: Sequence[int]) -> str:
    return hashlib.sha256(array("i", tokens).tobytes()).hexdigest()[:32]


class KeptStates:
    """KV states of evaluated prompt prefixes on disk: ``<n tokens>-<hash of the tokens>.kv``, one
    folder per model, the least recently used removed beyond ``limit_bytes``.

    Safe to share between processes: files appear by atomic rename, and one that has gone
    (evicted by another process) is simply not used.
    """

    def __init__(self, folder: Path, limit_bytes: int):
        self.folder = folder
        self.limit_bytes = limit_bytes
        self._index: dict[int, set[str]] = {}
        self.rescan()

    def rescan(self) -> None:
        self._index.clear()
        for path in self.folder.glob("*.kv"):
            n, _, digest = path.stem.partition("-")
            if n.isdigit():
                self._index.setdefault(int(n), set()).add(digest)

    def path(self, tokens: Sequence[int]) -> Path:
        return self.folder / f"{len(tokens)}-{_digest(tokens)}.kv"

    def longest(self, tokens: Sequence[int]) -> Path | None:
        """The kept state of the longest prefix of ``tokens`` (shorter than all of it), if any."""
        for n in sorted((n for n in self._index if n < len(tokens)), reverse=True):
            digest = _digest(tokens[:n])
            if digest in self._index[n]:
                return self.folder / f"{n}-{digest}.kv"
        return None

    def has(self, tokens: Sequence[int]) -> bool:
        return _digest(tokens) in self._index.get(len(tokens), ())

    @contextmanager
    def writing(self, tokens: Sequence[int]) -> Iterator[Path]:
        """A temporary path to write the state of ``tokens`` to; kept (renamed) when the block ends."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(tokens)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        try:
            yield partial
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        self._index.setdefault(len(tokens), set()).add(target.stem.partition("-")[2])
        self._evict()

    def used(self, path: Path) -> None:
        try:
            os.utime(path)
        except OSError:
            pass

    def forget(self, path: Path) -> None:
        self._index.get(_tokens_in(path), set()).discard(path.stem.partition("-")[2])

    def _evict(self) -> None:
        files = []
        for path in self.folder.glob("*.kv"):
            try:
                files.append((path.stat().st_mtime, path.stat().st_size, path))
            except OSError:
                continue
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.limit_bytes:
                break
            path.unlink(missing_ok=True)
            self.forget(path)
            total -= size


class _Recorded(Exception):
    """Stops a chat completion once its prompt tokens are known (`PrefixLlama.prompt_tokens`)."""


class PrefixLlama(Llama):
    """A `Llama` that keeps evaluated prompt prefixes (`KeptStates`) and loads them when a prompt
    starts with one. Not thread-safe, like `Llama` itself: callers serialize questions.

    A prefix becomes worth keeping once `expect` names it (the chat prompt's instructions and
    description, worked out per video by the answering side): the first prompt that starts with
    it evaluates it, saves its state, then evaluates the rest.
    """

    def __init__(self, *args: Any, states: KeptStates | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.states = states
        self._expected: dict[str, list[int]] = {}
        self._recording: list[list[int]] | None = None

    # --- which tokens a chat prompt becomes --------------------------------------------
    def prompt_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The tokens ``create_chat_completion(messages)`` would evaluate, without evaluating them."""
        self._recording = []
        try:
            self.create_chat_completion(messages=messages, max_tokens=1)
        except _Recorded:
            return self._recording[0]
        finally:
            self._recording = None
        raise RuntimeError("llama-cpp-python formatted the chat without generating")  # pragma: no cover

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any):  # type: ignore[override]
        tokens = list(tokens)
        if self._recording is not None:  # `prompt_tokens`: note them, evaluate nothing
            self._recording.append(tokens)
            raise _Recorded
        if self.states is not None:
            self._restore(tokens)
        return (yield from super().generate(tokens, *args, **kwargs))

    # --- keeping prefixes ---------------------------------------------------------------
    def expect(self, prefix: Sequence[int]) -> None:
        """Keep ``prefix``'s state the first time a prompt starting with it is evaluated."""
        if self.states is not None and len(prefix) > 1:
            self._expected[_digest(prefix)] = list(prefix)
            while len(self._expected) > 256:
                self._expected.pop(next(iter(self._expected)))

    def keep(self, prefix: Sequence[int]) -> bool:
        """Evaluate ``prefix`` now, unless its state is kept already, and keep its state.
        True when it was evaluated now."""
        if self.states is None or len(prefix) < 2:
            return False
        prefix = list(prefix)
        self.expect(prefix)
        if self.states.has(prefix):
            return False
        if common_prefix(self._input_ids, prefix) == len(prefix):  # in the context: save it from there
            self._evaluate_and_save(prefix)
            return False
        return self._restore([*prefix, -1]) == "evaluated"  # -1: "a question follows", never evaluated

    def _restore(self, tokens: list[int]) -> str:
        """Bring into the context the longest known prefix of ``tokens``: the live one (``live``),
        a kept state (``loaded``), or an expected prefix evaluated and kept now (``evaluated``)."""
        assert self.states is not None
        done = "live"
        live = common_prefix(self._input_ids, tokens)
        path = self.states.longest(tokens)
        if path is not None and _tokens_in(path) > live:
            loaded = self._load(path)
            if loaded:
                live, done = loaded, "loaded"
        for prefix in list(self._expected.values()):
            if len(tokens) > len(prefix) > live and tokens[:len(prefix)] == prefix:
                self.states.rescan()  # another process may have kept it meanwhile
                kept = self.states.longest(tokens)
                if kept is not None and _tokens_in(kept) >= len(prefix) and self._load(kept):
                    return "loaded"
                self._evaluate_and_save(prefix)
                return "evaluated"
        return done

    def _evaluate_and_save(self, prefix: list[int]) -> None:
        self.n_tokens = common_prefix(self._input_ids, prefix)
        self.eval(prefix[self.n_tokens:])  # drops whatever followed in the context first
        with self.states.writing(prefix) as path:
            saved = llama_cpp.llama_state_seq_save_file(
                self._ctx.ctx, str(path).encode(), 0, (llama_cpp.llama_token * len(prefix))(*prefix), len(prefix))
            if not saved:
                raise RuntimeError(f"llama.cpp could not save the prompt state to {path}")
        log.info("kept the state of a %d-token prompt prefix", len(prefix))

    def _load(self, path: Path) -> int:
        """Load a kept state into the context; its token count, or 0 if it could not be read."""
        capacity = self.n_ctx()
        tokens = (llama_cpp.llama_token * capacity)()
        count = ctypes.c_size_t(0)
        self._ctx.kv_cache_seq_rm(-1, 0, -1)
        self.n_tokens = 0
        read = llama_cpp.llama_state_seq_load_file(self._ctx.ctx, str(path).encode(), 0, tokens, capacity,
                                                   ctypes.byref(count))
        if not read:  # gone (evicted elsewhere) or from another llama.cpp: evaluate instead
            self.states.forget(path)
            log.info("could not read the kept prompt state %s; evaluating instead", path.name)
            return 0
        n = count.value
        self.input_ids[:n] = tokens[:n]
        self.n_tokens = n
        self._requires_eval = True
        self.states.used(path)
        return n


def model_key(path: Path) -> str:
    """A folder name for one model's kept states: a state fits only the model and llama.cpp that made it."""
    stat = path.stat()
    return f"{path.stem}-{hashlib.sha256(f'{stat.st_size}:{llama_cpp.__version__}'.encode()).hexdigest()[:12]}"
