"""`VideoChat`: describe a video once, then ask about it as often as you like.

Example:
    >>> from videochat_text import VideoChat
    >>> vc = VideoChat.from_config("config.yaml")
    >>> description = vc.describe("clip.mp4")
    >>> vc.ask(description, "What is said at the start?")
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from .cache import DescriptionCache, cache_key
from .chat import ChatSession, ContextFor, describe_chat_model, make_chat_model, redact, token_counter
from .config import Settings, load_settings
from .errors import VideoChatError
from .grounding import Evidence
from .modules import PerceptionModule, create_module, get_module_class, module_names
from .prompt import RenderedDescription, TokenCounter, could_fit, load_templates, render_description
from .summary import Summarizer, make_summarizer
from .retrieval import TimelineIndex, embeddings_id, entry_text, make_embeddings, select_entries
from .timeline import Description, Event, Media, ModuleFailure, VideoInfo, timeline_entries
from .video import AUDIO_RATE, coverage_gaps, iter_frames, load_audio, probe, sample_interval

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int | None], None]
"""``(stage, done, total)``: called as work advances; ``total`` is None when unknown."""


def _no_progress(stage: str, done: int, total: int | None) -> None:
    pass


@dataclass(frozen=True)
class ModuleStatus:
    name: str
    backend: str
    weights: str
    """``ok`` or why the module cannot run yet."""


class VideoChat:
    """The pipeline: perception modules → description (cached) → prompt → chat model.

    Modules and the chat model load lazily on first use and are kept for the life
    of the object, so one `VideoChat` describes many videos and answers many
    questions without reloading weights.
    """

    def __init__(self, settings: Settings | dict[str, Any] | None = None, *, chat_model: Runnable | None = None, **overrides: Any):
        """
        Args:
            settings: a `Settings`, a dict in the config-file shape, or None for defaults.
            chat_model: use this LangChain chat model instead of building one from settings.
            overrides: top-level sections merged over ``settings``, e.g. ``chat={"provider": "openai"}``.
        """
        self.settings = load_settings(settings, **overrides)
        self._modules: dict[str, PerceptionModule] = {}
        self._chat_model = chat_model
        self._summarizer: Summarizer | None = None
        self._embeddings: Embeddings | None = None
        self._token_counter: TokenCounter | None = None
        self._timelines: OrderedDict[int, _PreparedTimeline] = OrderedDict()
        self._retrieval_warnings: set[str] = set()
        self._templates = load_templates(self.settings.prompt.templates_dir)
        self.cache = DescriptionCache(self.settings.cache.dir)

    @classmethod
    def from_config(cls, config: str | Path | dict[str, Any] | None = None, **overrides: Any) -> "VideoChat":
        """Build from a YAML config path (or a dict in the same shape)."""
        return cls(load_settings(config, **overrides))

    # --- perception --------------------------------------------------------------
    def module(self, name: str) -> PerceptionModule:
        """The configured instance of module ``name`` (created once, loaded on first run)."""
        if name not in self._modules:
            self._modules[name] = create_module(name, self.settings.modules.get(name))
        return self._modules[name]

    def module_statuses(self) -> list[ModuleStatus]:
        """Every registered module with its backend and whether its weights are usable."""
        statuses = []
        for name in module_names():
            try:
                instance = self.module(name)
                statuses.append(ModuleStatus(name, instance.backend(), instance.weights_status()))
            except VideoChatError as exc:
                statuses.append(ModuleStatus(name, "-", str(exc)))
        return statuses

    def _perception_key(self, names: list[str], digest: str) -> str:
        settings = {
            "perception": self.settings.perception.model_dump(mode="json", exclude={"modules"}),
            "modules": {n: self.module(n).settings.model_dump(mode="json") for n in names},
            "summary": self.settings.summary.model_dump(mode="json"),
        }
        return cache_key(digest, settings)

    def describe(
        self,
        video: str | Path,
        *,
        modules: Iterable[str] | None = None,
        use_cache: bool | None = None,
        progress: ProgressCallback = _no_progress,
    ) -> Description:
        """Run the perception modules over ``video`` and summarize what they found.

        A module that fails is recorded in ``description.failures``; the other
        modules' events are kept. Descriptions with failures are not cached.

        Raises:
            VideoOpenError: the video cannot be read.
            UnknownModuleError: a module name is not registered.
        """
        names = list(modules) if modules is not None else list(self.settings.perception.modules)
        for name in names:
            get_module_class(name)  # unknown names fail before any decoding
        use_cache = self.settings.cache.enabled if use_cache is None else use_cache
        key = None
        if use_cache:
            try:
                key = self._perception_key(names, self.cache.video_digest(video))
            except OSError:
                key = None  # missing or unreadable: probe() below says so clearly
            cached = self.cache.get(key) if key is not None else None
            if cached is not None:  # checked before probing: asking again about a video must be fast
                log.info("%s: description from cache", video)
                return cached
        info = probe(video)
        events: list[Event] = []
        failures: list[ModuleFailure] = []
        timings: dict[str, float] = {}
        units = self._work_units(info, names)
        work = self.cache.partial(key) if key is not None else None
        resumed = 0
        for done, (unit, span, unit_names) in enumerate(units):
            if len(units) > 1:
                progress("video stretches", done, len(units))
            saved = work.get(unit) if work is not None else None
            if saved is not None:  # finished by an earlier, interrupted run
                found, spent, failed = saved[0], saved[1], []
                resumed += 1
            else:
                found, failed, spent = self._describe_stretch(video, info, unit_names, span, progress)
                if work is not None and not failed:
                    work.put(unit, found, spent)
            events += found
            failures += failed
            for stage, seconds in spent.items():
                timings[stage] = round(timings.get(stage, 0.0) + seconds, 3)
        if resumed:
            log.warning("%s: resumed an interrupted run (%d of %d parts were already done)", video, resumed, len(units))
        if len(units) > 1:
            progress("video stretches", len(units), len(units))
        events, finish_failures = self._finish(names, events, failures, info)
        failures += finish_failures
        started = time.perf_counter()
        if self._summarizer is None:  # models load once per VideoChat
            self._summarizer = make_summarizer(self.settings.summary)
        summary = self._summarizer.summarize(events, info)
        timings["summary"] = round(time.perf_counter() - started, 3)
        description = Description(
            video=info,
            events=events,
            summary=summary,
            timings=timings,
            failures=failures,
            config={**self.settings.public_dump(), "perception": {
                **self.settings.perception.model_dump(mode="json"), "modules": names}},
        )
        if key is not None and not failures:
            self.cache.put(key, description)
            work.clear()
        return description

    def _finish(self, names: list[str], events: list[Event], failures: list[ModuleFailure],
                info: VideoInfo) -> tuple[list[Event], list[ModuleFailure]]:
        """Each module's `finish` over its events of the whole video; a module whose `finish`
        fails keeps its events as they were and is recorded as failed."""
        failed = {f.module for f in failures}
        revised: list[Event] = [e for e in events if e.module not in names or e.module in failed]
        new_failures = []
        for name in names:
            own = sorted((e for e in events if e.module == name), key=lambda e: (e.start, e.end))
            if name in failed:
                continue
            try:
                revised += _checked(self.module(name).finish(own, info), name, info)
            except Exception as exc:  # one module's failure must not lose the others' work
                message = _failure_message(exc)
                log.warning("module %s failed to finish: %s", name, message)
                new_failures.append(ModuleFailure(module=name, error=message))
                revised += own
        return revised, new_failures

    def _work_units(self, info: VideoInfo, names: list[str]) -> list[tuple[str, tuple[float, float] | None, list[str]]]:
        """``(name, span, modules)`` per unit of work: the video's stretches (``perception.segment_s``
        long), each for all modules that take stretches, then each whole-video module."""
        whole = [n for n in names if get_module_class(n).whole_video]
        stretch_modules = [n for n in names if n not in whole]
        segment_s = self.settings.perception.segment_s
        count = max(1, math.ceil(info.duration / segment_s - 1e-9))
        units: list[tuple[str, tuple[float, float] | None, list[str]]] = []
        if stretch_modules or not names:
            units += [(f"stretch-{i}", (i * segment_s, min(info.duration, (i + 1) * segment_s)) if count > 1 else None,
                       stretch_modules) for i in range(count)]
        units += [(f"module-{n}", None, [n]) for n in whole]
        return units

    def _describe_stretch(
        self, video: str | Path, info: VideoInfo, names: list[str], span: tuple[float, float] | None,
        progress: ProgressCallback,
    ) -> tuple[list[Event], list[ModuleFailure], dict[str, float]]:
        """Decode one stretch (None: the whole video) once, and run ``names`` over it."""
        media, decode_s = self._decode(video, info, names, span, progress)
        events: list[Event] = decode_gap_events(media)
        failures: list[ModuleFailure] = []
        timings = {"decode": decode_s}
        for done, name in enumerate(names):
            progress(f"module {name}", done, len(names))
            started = time.perf_counter()
            try:
                found = _run_with_timeout(self.module(name), media, self.settings.perception.module_timeout_s)
                events += _checked(found, name, info)
            except Exception as exc:  # one module's failure must not lose the others' work
                message = _failure_message(exc)
                log.warning("module %s failed: %s", name, message, exc_info=not isinstance(exc, VideoChatError))
                failures.append(ModuleFailure(module=name, error=message))
            timings[name] = time.perf_counter() - started
        progress(f"module {names[-1]}" if names else "modules", len(names), len(names))
        return events, failures, timings

    def _decode(
        self, video: str | Path, info: VideoInfo, names: list[str], span: tuple[float, float] | None,
        progress: ProgressCallback,
    ) -> tuple[Media, float]:
        """Decode what the chosen modules consume, once, for all of them (only ``span`` if given)."""
        started = time.perf_counter()
        wants = set().union(*(get_module_class(n).consumes for n in names)) if names else set()
        p = self.settings.perception
        every_s = sample_interval(info, p.sample_every_s, p.max_frames)
        frames = []
        start, end = span or (0.0, info.duration)
        if wants & {"frames", "clips"}:
            expected = max(1, math.ceil((end - start) / every_s))
            progress("decoding frames", 0, expected)
            # every_s is already widened for max_frames over the whole video.
            for frame in iter_frames(video, every_s=every_s, max_frames=0 if span else p.max_frames,
                                     max_side=p.max_side, decoder=p.decoder, info=info, span=span):
                frames.append(frame)
                progress("decoding frames", len(frames), expected)
        audio = None
        if "audio" in wants:
            progress("decoding audio", 0, None)
            audio = load_audio(video, info=info, span=span)
        media = Media(info=info, frames=frames, audio=audio, sample_every_s=every_s, start=start,
                      stop=span[1] if span else None)
        return media, time.perf_counter() - started

    # --- chat --------------------------------------------------------------------
    @property
    def chat_model(self) -> Runnable:
        if self._chat_model is None:
            self._chat_model = make_chat_model(self.settings.chat)
        return self._chat_model

    def chat_model_name(self) -> str:
        return describe_chat_model(self.settings.chat)

    def render(self, description: Description, *, focus: Sequence[int] = (),
               entries: Sequence[Event] | None = None) -> RenderedDescription:
        """The description block as the model will see it, within the token budget.

        Args:
            focus: indices into ``entries`` to keep first if it must be trimmed.
            entries: the timeline entries to show (default: all of ``timeline_entries``).
        """
        p = self.settings.prompt
        return render_description(
            description,
            self._templates,
            max_tokens=p.max_description_tokens,
            count_tokens=self._count_tokens(),
            include_boxes=p.include_boxes,
            focus=focus,
            entries=entries,
        )

    def _count_tokens(self) -> TokenCounter:
        """The chat model's token counter, remembering counts: prompts are rebuilt per question
        from the same timeline lines."""
        if self._token_counter is None:
            self._token_counter = functools.lru_cache(maxsize=65536)(token_counter(self.chat_model))
        return self._token_counter

    def context(self, description: Description) -> str | ContextFor:
        """The description for the prompt: all of it when it fits, else per question the parts it needs.

        With ``retrieval.mode: auto`` a description that fits the token budget is sent
        whole. One that does not (a long video) is trimmed per question, keeping
        first the stretch the question names and the entries nearest to it in
        meaning (`retrieval.select_entries`).
        """
        r = self.settings.retrieval
        prepared = self._prepared(description)
        entries = prepared.entries
        if r.mode == "never" or (r.mode == "auto" and could_fit(entries, self.settings.prompt.max_description_tokens)):
            whole = self.render(description, entries=entries)
            if r.mode == "never" or not whole.trimmed:
                return whole.text
        if not prepared.indexed:
            prepared.index, prepared.indexed = self.timeline_index(entries), True
        index = prepared.index
        duration = description.video.duration

        def for_question(question: str, history: list[BaseMessage]) -> str:
            # A follow-up ("and after that?") is searched together with the question before it.
            earlier = [str(m.content) for m in history if m.type == "human"][-1:]
            focus = select_entries(question, entries, duration, index=index, top_k=r.top_k,
                                   query=" ".join([*earlier, question]), time_margin_s=r.time_margin_s)
            if r.mode == "always":  # only what the question needs, even when everything would fit
                chosen = sorted(focus)
                rank = {i: n for n, i in enumerate(chosen)}
                return self.render(description, entries=[entries[i] for i in chosen],
                                   focus=[rank[i] for i in focus]).text
            return self.render(description, entries=entries, focus=focus).text

        return for_question

    def _prepared(self, description: Description) -> "_PreparedTimeline":
        """The timeline entries (and, once needed, their index) of a description, kept for the
        last few descriptions: asking many questions should not redo them per question.

        Keyed by the identity of the events list, which copies from the cache share and which
        the kept entry holds on to (so the id cannot be reused by another list).
        """
        key = id(description.events)
        prepared = self._timelines.get(key)
        if prepared is None or prepared.events is not description.events:
            prepared = _PreparedTimeline(description.events, timeline_entries(description))
            self._timelines[key] = prepared
            while len(self._timelines) > 4:
                self._timelines.popitem(last=False)
        self._timelines.move_to_end(key)
        return prepared

    def timeline_index(self, entries: Sequence[Event]) -> TimelineIndex | None:
        """The embedded entries (built once per description, kept beside the cache), or None
        if the embedding model cannot run — then long videos are trimmed evenly over time."""
        r = self.settings.retrieval
        try:
            if self._embeddings is None:
                self._embeddings = make_embeddings(r)
            cache_dir = self.settings.cache.dir if self.settings.cache.enabled else None
            return TimelineIndex.build([entry_text(e) for e in entries], self._embeddings,
                                       model_id=embeddings_id(r), cache_dir=cache_dir)
        except Exception as exc:  # retrieval is an aid: without it the prompt is still built, trimmed evenly
            message = redact(_failure_message(exc), self.settings.chat)
            if message not in self._retrieval_warnings:
                self._retrieval_warnings.add(message)
                log.warning("retrieval unavailable (%s); the description is trimmed evenly over time instead", message)
            return None

    def chat(self, description: Description | str | Path) -> ChatSession:
        """Start a conversation about a description (or a video path, described first)."""
        if not isinstance(description, Description):
            description = self.describe(description)
        checker = self._evidence(description) if self.settings.chat.check_answers else None
        return ChatSession(self.chat_model, self._templates, self.context(description),
                           history_turns=self.settings.prompt.history_turns,
                           redact=lambda text: redact(text, self.settings.chat), checker=checker)

    def _evidence(self, description: Description) -> Evidence:
        prepared = self._prepared(description)
        if prepared.evidence is None:
            prepared.evidence = Evidence.of(description, self._vocabulary(description))
        return prepared.evidence

    def _vocabulary(self, description: Description) -> set[str]:
        """The labels the modules that described the video could have reported."""
        ran = description.config.get("perception", {}).get("modules", [])
        failed = {f.module for f in description.failures}
        used = description.config.get("modules", {})
        labels: set[str] = set()
        for name in ran:
            if name in failed:
                continue
            try:
                same = used.get(name) == self.settings.modules.get(name)
                module = self.module(name) if same else create_module(name, used.get(name))
                labels |= module.vocabulary() or set()
            except Exception as exc:  # a plugin since uninstalled, changed settings: its labels are unknown
                log.info("%s: label set unknown (%s)", name, _failure_message(exc))
        return labels

    def ask(self, description: Description | str | Path, question: str) -> str:
        """Answer one question (no memory between calls; use `chat` for that)."""
        return self.chat(description).ask(question)

    def close(self) -> None:
        for module in self._modules.values():
            module.close()
        self._modules.clear()
        self._chat_model = None
        self._summarizer = None
        self._embeddings = None
        self._token_counter = None
        self._timelines.clear()


@dataclass
class _PreparedTimeline:
    events: list[Event]
    entries: list[Event]
    index: TimelineIndex | None = None
    indexed: bool = False
    evidence: Evidence | None = None


DECODE_MODULE = "decode"
"""Events the pipeline itself adds: stretches the decoder could not read."""


def decode_gap_events(media: Media) -> list[Event]:
    """Mark where frames or audio are missing, so readers and the model know."""
    info = media.info
    gaps = []
    if media.frames:
        for start, end in coverage_gaps([f.time for f in media.frames], media.end, media.sample_every_s, media.start):
            gaps.append(Event(start=start, end=end, module=DECODE_MODULE, text="no video frames could be decoded here",
                              data={"stream": "video"}))
    if media.audio is not None:
        audio_end = media.start + len(media.audio) / AUDIO_RATE
        if media.end - audio_end > 1.0:
            gaps.append(Event(start=round(audio_end, 3), end=media.end, module=DECODE_MODULE,
                              text="no audio could be decoded here", data={"stream": "audio"}))
    for gap in gaps:
        log.warning("%s: %s (%.1f–%.1f s)", info.path, gap.text, gap.start, gap.end)
    return gaps


def _failure_message(exc: Exception) -> str:
    """Our errors already read well; anything else gets its type named."""
    return str(exc) if isinstance(exc, VideoChatError) else f"{type(exc).__name__}: {exc}"


def _run_with_timeout(module: PerceptionModule, media: Media, timeout_s: float | None) -> list[Event]:
    if timeout_s is None:
        return module.run(media)
    # Python cannot stop a thread: a timed-out module finishes in the background and
    # its result is dropped. That still lets the description complete on time.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"module-{module.name}")
    try:
        return pool.submit(module.run, media).result(timeout=timeout_s)
    except FutureTimeout:
        raise VideoChatError(f"module {module.name} timed out after {timeout_s:g} s") from None
    finally:
        pool.shutdown(wait=False)


def _checked(events: list[Event], name: str, info: VideoInfo) -> list[Event]:
    """Enforce the module contract: Events of this module, inside the video."""
    slack = 0.5  # container durations round; a last segment may overhang slightly
    for event in events:
        if not isinstance(event, Event):
            raise VideoChatError(f"module {name} returned {type(event).__name__}, not Event")
        if event.module != name:
            raise VideoChatError(f"module {name} returned an event labelled {event.module!r}")
        if event.end > info.duration + slack:
            raise VideoChatError(f"module {name} returned an event ending at {event.end:.2f}s, after the video ends")
    return events
