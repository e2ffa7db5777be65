"""From a `Description` to the chat prompt: fenced, timestamped, within a token budget.

Templates are files (``prompts/`` in the repository, installed as the package
``videochat_text_prompts``); the description is always a template *variable*, so
nothing a video says is ever parsed as template text. Perception text is
untrusted: it is fenced in ``<video_description>`` tags, and any such tag inside
it is neutralized so a transcript cannot close the fence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Callable, Sequence

from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate

from .errors import PromptError
from .timeline import Description, Event, merge_repeats

TokenCounter = Callable[[str], int]

TEMPLATE_VARIABLES = {
    "system": set(),
    "description": {"events"},
    "question": {"description", "question"},
}
"""Each template file and the variables it must use."""

_FENCE = re.compile(r"</?\s*video_description\s*>", re.IGNORECASE)


def estimate_tokens(text: str) -> int:
    """A conservative token count for any tokenizer: English BPE averages ~4 chars a token."""
    return math.ceil(len(text) / 3)


@dataclass(frozen=True)
class Templates:
    system: str
    description: str
    question: str


def load_templates(templates_dir: str | Path | None = None) -> Templates:
    """The packaged templates, each overridden by a same-named ``.txt`` in ``templates_dir``.

    Raises:
        PromptError: the folder is missing or a template lacks a required variable.
    """
    packaged = files("videochat_text_prompts")
    override = Path(templates_dir).expanduser() if templates_dir else None
    if override is not None and not override.is_dir():
        raise PromptError(f"prompt.templates_dir {templates_dir}: not a folder")
    texts = {}
    for name, required in TEMPLATE_VARIABLES.items():
        custom = override / f"{name}.txt" if override else None
        source = custom if custom is not None and custom.exists() else packaged / f"{name}.txt"
        text = source.read_text(encoding="utf-8")
        try:
            variables = set(PromptTemplate.from_template(text).input_variables)
        except Exception as exc:  # malformed braces raise various errors in the parser
            raise PromptError(f"prompt template {source}: {exc}") from None
        missing = required - variables
        if missing:
            raise PromptError(f"prompt template {source} must use {', '.join('{' + m + '}' for m in sorted(missing))}")
        texts[name] = text.strip()
    return Templates(**texts)


def chat_prompt(templates: Templates) -> ChatPromptTemplate:
    """Instructions, earlier turns, then the description with the new question.

    The description rides with the newest question (measured: SmolLM2-135M answers
    better with it next to the question than in the system message), and so
    trimming old turns never drops it.
    """
    return ChatPromptTemplate.from_messages(
        [
            ("system", templates.system),
            MessagesPlaceholder("history", optional=True),
            ("human", templates.question),
        ]
    )


@dataclass(frozen=True)
class RenderedDescription:
    text: str
    tokens: int
    shown_events: int
    total_events: int

    @property
    def trimmed(self) -> bool:
        return self.shown_events < self.total_events


def _defang(text: str) -> str:
    return _FENCE.sub("[tag removed]", text)


def _spread_order(n: int) -> list[int]:
    """Indices 0..n-1 ordered so every prefix is spread evenly over the range (bit reversal)."""
    bits = max(1, (n - 1).bit_length())
    return sorted(range(n), key=lambda i: int(f"{i:0{bits}b}"[::-1], 2))


def _priority(events: Sequence[Event]) -> list[int]:
    """Which events to keep first when trimming: speech, then the rest, each spread over time."""
    speech = [i for i, e in enumerate(events) if e.module == "speech"]
    other = [i for i, e in enumerate(events) if e.module != "speech"]
    return [speech[j] for j in _spread_order(len(speech))] + [other[j] for j in _spread_order(len(other))]


def _event_lines(events: Sequence[Event], keep: set[int], with_boxes: bool) -> list[str]:
    lines, skipped = [], 0
    for i, event in enumerate(events):
        if i in keep:
            if skipped:
                lines.append(f"[… {skipped} events omitted …]")
                skipped = 0
            lines.append(_defang(event.line(with_boxes=with_boxes)))
        else:
            skipped += 1
    if skipped:
        lines.append(f"[… {skipped} events omitted …]")
    return lines


def render_description(
    description: Description,
    templates: Templates,
    *,
    max_tokens: int,
    count_tokens: TokenCounter = estimate_tokens,
    include_boxes: bool = True,
) -> RenderedDescription:
    """Fill the description template, trimming events until it fits ``max_tokens``.

    Repeated events are merged first; then boxes are dropped; then events are left
    out (speech last), evenly over time, and the text says how many were omitted.
    """
    events = merge_repeats(description.events)
    template = PromptTemplate.from_template(templates.description)
    summary = _defang(description.summary.text) if description.summary else "(none)"

    def fill(keep: set[int], with_boxes: bool) -> str:
        shown = len(keep)
        note = "" if shown == len(events) else (
            f"(Shortened to fit: {shown} of {len(events)} events shown; omitted stretches are marked.)"
        )
        values = {
            "header": _defang(description.header()),
            "summary": summary,
            "trim_note": note,
            "events": "\n".join(_event_lines(events, keep, with_boxes)) or "(no events)",
        }
        text = template.format(**{k: v for k, v in values.items() if k in template.input_variables})
        return "\n".join(line for line in text.splitlines() if line.strip())  # empty slots leave no gaps

    everything = set(range(len(events)))
    for with_boxes in ([True, False] if include_boxes else [False]):
        text = fill(everything, with_boxes)
        tokens = count_tokens(text)
        if tokens <= max_tokens:
            return RenderedDescription(text, tokens, len(events), len(events))

    order = _priority(events)
    best = fill(set(), False)
    if count_tokens(best) > max_tokens:
        raise PromptError(
            f"prompt.max_description_tokens={max_tokens} is too small for even the video header and summary"
        )
    # Invariant: the first `lo` events of `order` fit; all of them do not.
    lo, hi = 0, len(events) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        candidate = fill(set(order[:mid]), False)
        if count_tokens(candidate) <= max_tokens:
            lo, best = mid, candidate
        else:
            hi = mid - 1
    return RenderedDescription(best, count_tokens(best), lo, len(events))
