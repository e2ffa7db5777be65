"""A chat model that generates one answer at a time, whoever calls it.

llama.cpp keeps one context per loaded model: two generations at once in one process
overwrite each other's state. `one_at_a_time` wraps such a model where it is built
(`chat_models`), so every caller — the CLI, the server's worker threads, a library
ask, a fallback chain around it — waits its turn; `runs_one_at_a_time` tells a server
how many questions it can answer at once with a given model.

Example:
    >>> model = one_at_a_time(ChatLlamaCpp(model_path="model.gguf"))
    >>> model.with_fallbacks([other])      # still one generation at a time on the local part
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

from langchain_core.runnables import Runnable, RunnableBinding, RunnableConfig, RunnableSequence
from langchain_core.runnables.fallbacks import RunnableWithFallbacks


class OneAtATime(Runnable):
    """``bound`` behind a lock held for a whole generation (a stream: until it ends or is closed).

    The lock is re-entrant: a session that stops reading one stream to ask the model again
    (a stricter retry) does so from the same thread and must not wait for itself. Other
    attributes (``client``, ``model_path``…) are ``bound``'s.
    """

    def __init__(self, bound: Runnable):
        self.bound = bound
        self.lock = threading.RLock()
        """Held while the model generates; hold it too to touch the model's state (e.g. a saved KV cache)."""

    @property
    def InputType(self) -> Any:  # noqa: N802  (LangChain's name)
        return self.bound.InputType

    @property
    def OutputType(self) -> Any:  # noqa: N802
        return self.bound.OutputType

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        with self.lock:
            return self.bound.invoke(input, config, **kwargs)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        with self.lock:
            yield from self.bound.stream(input, config, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "bound":  # not set yet (a copy being made): not the model's
            raise AttributeError(name)
        return getattr(self.bound, name)

    def __deepcopy__(self, memo: dict) -> "OneAtATime":
        return self  # one loaded model, one lock: a copy would be a second door to the same context

    def __repr__(self) -> str:
        return f"one_at_a_time({self.bound!r})"


def one_at_a_time(model: Runnable) -> OneAtATime:
    return model if isinstance(model, OneAtATime) else OneAtATime(model)


def runs_one_at_a_time(model: Runnable) -> bool:
    """Whether any part of ``model`` (a fallback chain, a bound model, a sequence) is a `OneAtATime`."""
    if isinstance(model, OneAtATime):
        return True
    if isinstance(model, RunnableWithFallbacks):
        return any(runs_one_at_a_time(m) for m in [model.runnable, *model.fallbacks])
    if isinstance(model, RunnableBinding):
        return runs_one_at_a_time(model.bound)
    if isinstance(model, RunnableSequence):
        return any(runs_one_at_a_time(step) for step in model.steps)
    return False
