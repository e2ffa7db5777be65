"""Summarizers: events → a short general description of the whole video.

``t5`` condenses the events with a T5 model (transformers), window by window for
long videos, then the window summaries together. ``merge`` is deterministic and
needs no model; it is also what ``t5`` falls back to — loudly, and recorded in the
summary's ``source`` — when the T5 weights are not available offline.
"""

from __future__ import annotations

import importlib.util
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from .config import SummarySettings
from .errors import ConfigError, ModuleLoadError
from .timeline import Event, ModuleRecord, Summary, SummaryPiece, VideoInfo, format_timestamp, merge_repeats

Records = Mapping[str, ModuleRecord]
"""What each module's events are evidence of (`Description.modules`), by module name."""
from .weights import TRANSFORMERS_LOADING, hf_model_available, torch_device

log = logging.getLogger(__name__)


class Summarizer(Protocol):
    name: str

    def summarize(self, events: Sequence[Event], info: VideoInfo, modules: Records = {}) -> Summary: ...


def _article(number: str) -> str:
    """"A" or "An" before a number as it is said: an 8-second, an 11-second, an 18.5-second, a 10-second."""
    whole = number.split(".")[0]
    eleven_or_eighteen = whole[:2] in ("11", "18") and len(whole) % 3 == 2  # 11, 18, 11 000, 18 000…
    return "An" if whole.startswith("8") or eleven_or_eighteen else "A"


class MergeSummarizer:
    """Merge repeated events, then name what was said and what was seen, in order.

    Videos longer than one window (``chunk_s``) also get a shorter one (a third of
    ``max_items``) per window.
    """

    name = "merge"

    def __init__(self, max_items: int = 8, chunk_s: float = 120.0):
        self.max_items = max_items
        self.chunk_s = chunk_s

    def summarize(self, events: Sequence[Event], info: VideoInfo, modules: Records = {}) -> Summary:
        seconds = f"{info.duration:.0f}" if info.duration >= 10 else f"{info.duration:.1f}"
        kind = "video" if info.has_video else "audio recording"
        text = self._text(events, f"{_article(seconds)} {seconds}-second {kind}", modules)
        pieces = []
        if info.duration > self.chunk_s:
            pieces = [
                SummaryPiece(start=start, end=min(end, info.duration),
                             text=self._text(group, f"The stretch {format_timestamp(start)}–"
                                                    f"{format_timestamp(min(end, info.duration))}", modules,
                                             max_items=max(1, self.max_items // 3)))
                for start, end, group in time_windows(events, self.chunk_s)
            ]
        return Summary(text=text, source=self.name, pieces=pieces)

    def _text(self, events: Sequence[Event], opening: str, modules: Records, max_items: int | None = None) -> str:
        max_items = max_items or self.max_items
        evidence = {name: record.evidence for name, record in modules.items()}
        merged = merge_repeats(events)
        parts = [opening]
        speech = [e for e in merged if evidence.get(e.module) == "heard"]
        talk = speaking_times(speech)
        if talk:  # "who speaks, and how much" answers "how many people talk?"
            parts.append(f"with {len(talk)} speaker{'s' if len(talk) > 1 else ''}: "
                         + ", ".join(f"{who} ({_seconds(s)})" for who, s in talk.items()))
        if speech:
            more = f" (and {len(speech) - max_items} more lines)" if len(speech) > max_items else ""
            if talk:
                parts.append(f"in which {_said_by_speaker(speech[:max_items])}{more}")
            else:
                said = " ".join((e.transcript or e.text) for e in speech[:max_items])
                parts.append(f'in which someone says: "{said}"{more}')
        seen = _first_named([e for e in events if evidence.get(e.module) == "seen"], _labels)
        if seen:
            names = [f"{label} (from {format_timestamp(t)})" for label, t in seen[:max_items]]
            parts.append("showing " + ", ".join(names))
        others = [e for e in merged if evidence.get(e.module) not in ("heard", "seen")]
        counts: Counter[str] = Counter()
        for module in sorted({e.module for e in others}):
            names_of = _quoted_labels if evidence.get(module) == "read" else _top_label
            named = _first_named([e for e in others if e.module == module], names_of)
            if named:  # tags, actions: their top labels; text on screen: what was read
                parts.append(f"{module}: " + ", ".join(f"{label} (from {format_timestamp(t)})"
                                                        for label, t in named[:max_items]))
            else:
                counts[module] = sum(e.module == module for e in others)
        if counts:
            parts.append("with " + ", ".join(f"{n} {m} events" for m, n in sorted(counts.items())))
        if len(parts) == 1:
            parts.append("in which the modules observed nothing")
        return ", ".join(parts) + "."


def speaking_times(speech: Sequence[Event]) -> dict[str, float]:
    """Seconds each speaker (`Event.speaker` of speech events) talks, in order of first appearance."""
    times: dict[str, float] = {}
    for event in sorted(speech, key=lambda e: e.start):
        speaker = event.speaker
        if speaker:
            times[speaker] = times.get(speaker, 0.0) + (event.end - event.start)
    return times


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"


def _said_by_speaker(speech: Sequence[Event]) -> str:
    """``S1 says: "Hi. How are you?" S2: "Fine."`` — consecutive lines of one speaker quoted together."""
    turns: list[tuple[str, list[str]]] = []
    for event in speech:
        who = event.speaker or "someone"
        if turns and turns[-1][0] == who:
            turns[-1][1].append(event.transcript or event.text)
        else:
            turns.append((who, [event.transcript or event.text]))
    quoted = [f'{who}: "{" ".join(lines)}"' for who, lines in turns]
    return quoted[0].replace(":", " says:", 1) + "".join(f" {q}" for q in quoted[1:])


def _first_named(events: Sequence[Event], names: Callable[[Event], Iterable[str]]) -> list[tuple[str, float]]:
    """Each name ``names`` finds in the events, with the time it is first found, in order of appearance."""
    first: dict[str, float] = {}
    for event in sorted(events, key=lambda e: e.start):
        for name in names(event):
            first.setdefault(name, event.start)
    return sorted(first.items(), key=lambda kv: kv[1])


def _labels(event: Event) -> list[str]:
    return [d.label for d in event.detections]


def _top_label(event: Event) -> list[str]:
    """The first (best) label of ranked whole-picture labels, such as tags or actions."""
    return _labels(event)[:1]


def _quoted_labels(event: Event) -> list[str]:
    """Every line of text read on screen, quoted."""
    return [f'"{label}"' for label in _labels(event)]


def time_windows(events: Sequence[Event], window_s: float) -> list[tuple[float, float, list[Event]]]:
    """Group events by the ``window_s``-long window their start falls in (empty windows skipped)."""
    groups: dict[int, list[Event]] = {}
    for event in sorted(events, key=lambda e: e.start):
        groups.setdefault(int(event.start // window_s), []).append(event)
    return [(k * window_s, (k + 1) * window_s, group) for k, group in sorted(groups.items())]


class T5Summarizer:
    """Summarize with a seq2seq T5 model, one time window at a time, then the pieces together."""

    name = "t5"

    def __init__(self, settings: SummarySettings):
        self.settings = settings
        self._tokenizer: Any = None
        self._model: Any = None

    def unavailable_reason(self) -> str | None:
        """Why the model cannot be loaded offline, or None if it can (without loading it)."""
        if importlib.util.find_spec("transformers") is None:
            return "transformers is not installed (pip install 'videochat-text[t5]')"
        model = self.settings.model
        if hf_model_available(model):
            return None
        return (f"T5 model {model!r} is not a local folder nor in the Hugging Face cache, and model hubs "
                "are unreachable (set summary.model to a local folder)")

    def _load(self) -> None:
        if self._model is not None:
            return
        reason = self.unavailable_reason()
        if reason:
            raise ModuleLoadError(f"summary: {reason}")
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        folder = Path(self.settings.model).expanduser()
        source = str(folder) if folder.is_dir() else self.settings.model
        device = torch_device(self.settings.device)
        with TRANSFORMERS_LOADING:
            self._tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
            self._model = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=True).to(device).eval()

    def _generate(self, text: str) -> str:
        import torch

        inputs = self._tokenizer(self.settings.prefix + text, return_tensors="pt", truncation=True,
                                 max_length=self.settings.max_input_tokens).to(self._model.device)
        with torch.inference_mode():
            output = self._model.generate(**inputs, max_new_tokens=self.settings.max_output_tokens,
                                          num_beams=2, do_sample=False)
        return self._tokenizer.decode(output[0], skip_special_tokens=True).strip()

    def summarize(self, events: Sequence[Event], info: VideoInfo, modules: Records = {}) -> Summary:
        self._load()
        windows = time_windows(merge_repeats(events), self.settings.chunk_s)
        pieces = [
            SummaryPiece(start=start, end=min(end, info.duration),
                         text=self._generate("\n".join(f"[{format_timestamp(e.start)}] {e.module}: {e.text}"
                                                       for e in group)))
            for start, end, group in windows
        ]
        if not pieces:
            text = "Nothing was observed in the video."
        elif len(pieces) == 1:
            text = pieces[0].text
        else:
            text = self._generate(" ".join(p.text for p in pieces))
        return Summary(text=text, source=f"t5:{self.settings.model}", pieces=pieces if len(pieces) > 1 else [])


class FallbackSummarizer:
    """Use ``primary`` when it can run; otherwise say so (once per process) and use ``merge``."""

    _warned: set[str] = set()

    def __init__(self, primary: T5Summarizer, fallback: MergeSummarizer):
        self.primary, self.fallback = primary, fallback
        self.name = primary.name

    def summarize(self, events: Sequence[Event], info: VideoInfo, modules: Records = {}) -> Summary:
        reason = self.primary.unavailable_reason()
        if reason is None:
            return self.primary.summarize(events, info, modules)
        if reason not in self._warned:
            self._warned.add(reason)
            log.warning("summary: %s; using the merge summarizer instead (summary.backend: merge silences this)", reason)
        summary = self.fallback.summarize(events, info, modules)
        return summary.model_copy(update={"source": f"merge (fallback from t5:{self.primary.settings.model})"})


def make_summarizer(settings: SummarySettings) -> Summarizer:
    if settings.backend == "merge":
        return MergeSummarizer(settings.max_items, settings.chunk_s)
    if settings.backend == "t5":
        t5 = T5Summarizer(settings)
        return t5 if settings.fallback == "error" else FallbackSummarizer(t5, MergeSummarizer(settings.max_items, settings.chunk_s))
    raise ConfigError(f"summary.backend {settings.backend!r} is not available; use: t5, merge")
