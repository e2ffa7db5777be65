"""Question-answering evaluation: build the QA set's clips, describe them, ask, score.

The QA set (``tests/data/qa/qa.yaml``) names scikit-image photos as shots and
sentences that espeak-ng speaks at given times, so its clips are real media with
known ground truth; each question lists accepted answer strings. Building the
clips needs scikit-image, ffmpeg and espeak-ng (the ``test`` extra and Debian).

Beside right/wrong, every answer is checked for invented facts (`devkit.invented`),
for whether it cites the entry that holds the answer, for which path produced it
(``Answer.path``), and for how long it took — and how much of that was the chat
model, the rest being our own overhead.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, get_args

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from videochat_text.chat_models import token_counter
from videochat_text.payloads import SpeechData
from videochat_text.summary import MergeSummarizer
from videochat_text.timeline import Description, Event
from videochat_text.errors import ConfigError
from .invented import Grounds, video_times
from .synthetic import Line, Shot, fit_image, make_clip
from videochat_text.videochat import VideoChat


CLIP_RECIPE_VERSION = 2
"""Bump when clip building changes, so stored clips are rebuilt."""

QuestionType = Literal["spoken_fact", "object_presence", "count", "when", "at_time", "when_said", "not_in_video",
                       "follow_up", "two_turn"]
Language = Literal["en", "zh", "es", "fr", "de"]
Split = Literal["dev", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9",
              "fresh10", "fresh11", "fresh12", "fresh13", "fresh14", "fresh15", "fresh16",
              "fresh17", "fresh18", "fresh19", "fresh20", "fresh21", "fresh22", "fresh23", "fresh24", "fresh25", "fresh26",
              "fresh27", "fresh28", "fresh29", "fresh30", "fresh31", "fresh32", "fresh33"]
SPLITS: tuple[Split, ...] = get_args(Split)
"""dev: tune on it; test: only measure it; fresh (2026-12-02), fresh2 … fresh33 (2026-12-03/05; fresh4 to fresh33 on
clips of their own): written before any answer to them was read, asked once when that session's changes were done
(the test half's answers have been read across sessions: a fresh set shows what a user meets)."""

DOES_NOT_SAY = re.compile(
    r"\b(?:no|not|none|nothing|never|unknown|unclear|unspecified|cannot|unable|neither|nor)\b|n't\b"
    r"|\b(?:ningun[oa]?|ningún|nada|desconoc\w*)\b|没有|不|未|无"
    r"|\b(?:pas|aucune?|rien|inconnu\w*)\b|\b(?:nicht|kein\w*|nichts|unbekannt)\b",
    re.IGNORECASE)
"""An answer saying the video (or its description) does not tell: a negation or "unknown",
in English, Spanish, Chinese, French or German."""


def contains(text: str, keyword: str) -> bool:
    """Whether ``text`` holds ``keyword`` as whole words: a keyword's letter or digit at either
    end must not run on into another ("no" is not in "not", "know" or "nothing"; "7" is not in
    "17"); a word of four letters or more may take a plural ending ("newspapers"), a number an
    ordinal one ("4th" holds "4"). Chinese has
    no spaces between words, so a Chinese character's edge needs nothing, and a Chinese character
    ends a Latin word ("Houston训练" holds "houston")."""
    keyword = keyword.lower()
    if not keyword:
        return False
    before = r"(?<![^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff])" if _SPACED.match(keyword[0]) else ""
    after = r"(?![^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff])" if _SPACED.match(keyword[-1]) else ""
    if after and len(keyword) >= 4 and keyword[-1].isalpha():
        after = r"(?:e?s)?" + after
    elif after and keyword.isdigit():
        after = r"(?:st|nd|rd|th)?" + after  # "the 4th floor" holds "4"
    return re.search(before + re.escape(keyword) + after, text.lower()) is not None


_SPACED = re.compile(r"[^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
"""A letter or digit of a script that puts spaces between words."""


TIME_SLACK_S = 1.0
"""How far outside a question's `times` a stated time may be (speech starts and frame times round)."""


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: QuestionType
    split: Split
    lang: Language = "en"
    q: str | None = None
    turns: list[str] = Field(default_factory=list)
    """For follow-ups: the questions asked in order in one chat; the last is scored."""
    accept: list[str] = Field(default_factory=list)
    reject: list[str] = Field(default_factory=list)
    times: tuple[float, float] | None = None
    """For "when" questions: the stretch of the video (seconds) the answer must name a time in."""
    cite: str | None = None
    """A keyword of the timeline entry that holds the answer: some citation must contain it."""

    @model_validator(mode="after")
    def _complete(self) -> "Question":
        if (self.q is None) == (not self.turns):
            raise ValueError("a question has either `q` or `turns` (follow-ups), not both")
        if self.type == "follow_up" and len(self.turns) < 2:
            raise ValueError(f"follow_up {self.turns}: give at least two turns")
        if self.type != "not_in_video" and not self.accept and self.times is None:
            raise ValueError(f"{self.asked[-1]!r}: list the accepted answers (`accept`, or `times` for when)")
        return self

    @property
    def asked(self) -> list[str]:
        return self.turns or [self.q or ""]

    def is_right(self, answer: str, invented: bool = False) -> bool:
        """An accepted keyword or a time within `times`, and no rejected string; for
        not_in_video, saying the video does not tell and inventing nothing."""
        if self.type == "not_in_video":
            return bool(DOES_NOT_SAY.search(answer)) and not invented
        text = f" {answer.lower()} "
        if any(contains(text, r) for r in self.reject):
            return False
        return any(contains(text, a) for a in self.accept) or self.names_time(answer)

    def names_time(self, answer: str) -> bool:
        """Whether ``answer`` states a video time within `times` (give or take `TIME_SLACK_S`)."""
        if self.times is None:
            return False
        start, end = self.times
        return any(start - TIME_SLACK_S <= t <= end + TIME_SLACK_S for t in video_times(answer)[0])


class ClipSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    shots: list[tuple[str, float]]
    """``(photo, seconds)``; ``"horse+horse"`` puts photos side by side in one picture."""
    lines: list[tuple[float, str] | tuple[float, str, str]] = Field(default_factory=list)
    """``(start, sentence)`` or ``(start, sentence, espeak-ng voice)``."""
    questions: list[Question]

    def digest(self) -> str:
        recipe = self.model_dump_json(exclude={"questions"}) + f"|v{CLIP_RECIPE_VERSION}"
        return hashlib.sha256(recipe.encode()).hexdigest()[:12]


class QASet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clips: list[ClipSpec]

    @model_validator(mode="after")
    def _names_unique(self) -> "QASet":
        # figures per clip are keyed by its name: a second clip of one name would be counted as the first
        seen: set[str] = set()
        for clip in self.clips:
            if clip.name in seen:
                raise ValueError(f"two clips are named {clip.name!r}: give the second another name")
            seen.add(clip.name)
        return self

    @classmethod
    def load(cls, path: str | Path) -> "QASet":
        try:
            return cls.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise ConfigError(f"QA set {path}: {exc}") from None

    @property
    def questions(self) -> list[Question]:
        return [q for c in self.clips for q in c.questions]

    def subset(self, per_clip: int | None) -> "QASet":
        if per_clip is None:
            return self
        return QASet(clips=[c.model_copy(update={"questions": c.questions[:per_clip]}) for c in self.clips])

    def split(self, name: str) -> "QASet":
        """Only the questions of one split (`SPLITS`; ``all``: every one); clips left without questions are dropped."""
        if name == "all":
            return self
        if name not in SPLITS:
            raise ConfigError(f"split {name!r}: use {', '.join(SPLITS)} or all")
        return self._keeping(lambda q: q.split == name)

    def in_languages(self, languages: str) -> "QASet":
        """Only the questions asked in these languages (``zh,es,fr,de``; ``all``: every one), to measure a change
        to how other languages are answered without asking the English majority again."""
        if languages == "all":
            return self
        wanted = {lang.strip() for lang in languages.split(",")}
        if not wanted <= set(get_args(Language)):
            raise ConfigError(f"languages {languages!r}: use some of {', '.join(get_args(Language))}, or all")
        return self._keeping(lambda q: q.lang in wanted)

    def _keeping(self, wanted: Callable[[Question], bool]) -> "QASet":
        """Only the questions ``wanted`` keeps; clips left without questions are dropped."""
        clips = [c.model_copy(update={"questions": [q for q in c.questions if wanted(q)]}) for c in self.clips]
        return QASet(clips=[c for c in clips if c.questions])


def _photo(name: str) -> np.ndarray:
    try:
        import skimage.data
    except ImportError as exc:
        raise ConfigError("building QA clips needs scikit-image: pip install 'videochat-text[test]'") from exc
    loader = getattr(skimage.data, name, None)
    if loader is None:
        raise ConfigError(f"QA clip photo {name!r}: scikit-image has no such sample (e.g. chelsea, horse, coffee)")
    image = loader()
    # fit_image (in make_clip) converts grey, boolean and RGBA images.
    return image[0] if isinstance(image, tuple) else image  # stereo pairs: the left view


def picture(spec: str) -> np.ndarray:
    """The photo named ``spec``, or for ``"a+b"`` the photos side by side at one height."""
    photos = [_photo(name) for name in spec.split("+")]
    if len(photos) == 1:
        return photos[0]
    height = max(p.shape[0] for p in photos)
    return np.hstack([fit_image(p, round(p.shape[1] * height / p.shape[0]), height) for p in photos])


def build_clip(spec: ClipSpec, folder: Path) -> Path:
    """The clip for ``spec`` in ``folder``, encoded once and reused while the spec is unchanged."""
    path = folder / f"{spec.name}-{spec.digest()}.mp4"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        make_clip(path, [Shot(picture(n), s) for n, s in spec.shots], [Line(*line) for line in spec.lines])
    return path


Speech = Literal["heard", "true"]
"""What the questions are asked about: the speech module's events as it heard them, or the clip's own lines."""


def with_true_speech(description: Description, spec: ClipSpec) -> Description:
    """The description with its speech events replaced by what the clip says: one event per sentence, as the
    speech module makes them, a line's stretch (its start to the next line's, the QA set's `times`) shared among
    its sentences by length, labelled S1, S2… by voice in order of first line; and the summary made again from
    them (merge). What a perfect speech module and voice labeller would report: the answering measured apart
    from Whisper's mishearings and the labels' splits and merges."""
    voices: dict[str, str] = {}
    events = [e for e in description.events if e.module != "speech"]
    said: list[Event] = []
    for k, (start, line, *voice) in enumerate(spec.lines):
        label = voices.setdefault(voice[0] if voice else "en-us", f"S{len(voices) + 1}")
        following = spec.lines[k + 1][0] if k + 1 < len(spec.lines) else description.video.duration
        end = max(start, min(following - 0.3, description.video.duration))
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", line.strip()) if s]
        at, per_letter = start, (end - start) / sum(len(s) for s in sentences)
        for sentence in sentences:
            until = round(at + per_letter * len(sentence), 3)
            said.append(Event(start=round(at, 3), end=until, module="speech", text=f'{label}: "{sentence}"',
                              id=f"speech-{len(said) + 1}", data=SpeechData(
                                  transcript=sentence, language="en", language_probability=1.0, speaker=label)))
            at = until
    events = sorted(events + said, key=lambda e: (e.start, e.end))
    summary = MergeSummarizer().summarize(events, description.video, description.modules)
    # a new description, not a copy: copies share what answering derived from the original (`Description.memo`)
    fields = {name: getattr(description, name) for name in Description.model_fields}
    return Description(**(fields | {"events": events, "summary": summary}))


class ModelClock:
    """A LangChain callback handler that adds up the time spent inside chat-model calls.

    Attached to the model itself, so it sees every call the answering makes (the answer,
    retries, translations), however the system chains them.
    """

    def __init__(self) -> None:
        from langchain_core.callbacks import BaseCallbackHandler

        clock = self

        class Handler(BaseCallbackHandler):
            def on_chat_model_start(self, serialized, messages, *, run_id, **kwargs):
                clock._started(run_id)

            def on_llm_start(self, serialized, prompts, *, run_id, **kwargs):
                clock._started(run_id)

            def on_llm_end(self, response, *, run_id, **kwargs):
                clock._ended(run_id)

            def on_llm_error(self, error, *, run_id, **kwargs):
                clock._ended(run_id)

        self.handler = Handler()
        self.seconds = 0.0
        self.calls = 0
        self._open: dict[Any, float] = {}
        self._lock = threading.Lock()

    def _started(self, run_id: Any) -> None:
        with self._lock:
            self._open[run_id] = time.perf_counter()

    def _ended(self, run_id: Any) -> None:
        with self._lock:
            started = self._open.pop(run_id, None)
            if started is not None:
                self.seconds += time.perf_counter() - started
                self.calls += 1

    def reset(self) -> None:
        with self._lock:
            self.seconds, self.calls = 0.0, 0
            self._open.clear()

    def attach(self, model: Any) -> bool:
        """Time ``model``'s calls (for a model with fallbacks: every model in it). False if it
        is not a LangChain language model, whose calls then cannot be told apart."""
        from langchain_core.language_models import BaseLanguageModel

        if isinstance(model, BaseLanguageModel):
            handlers = list(model.callbacks or []) if isinstance(model.callbacks, list) else []
            if self.handler not in handlers:
                model.callbacks = [*handlers, self.handler]
            return True
        inner = [getattr(model, "runnable", None), *getattr(model, "fallbacks", [])]
        inner = [m for m in inner if m is not None]
        return bool(inner) and all([self.attach(m) for m in inner])


@dataclass
class Result:
    clip: str
    question: Question
    answer: str
    right: bool
    seconds: float
    """Wall time of the scored answer (the last turn), the description already made."""
    prompt_tokens: int
    invented: list[str] = field(default_factory=list)
    """The specific facts the answer states that the description does not hold (`devkit.invented`)."""
    citations: list[str] = field(default_factory=list)
    """The cited entries' texts (``Answer.citations``)."""
    path: str | None = None
    """How the answer was reached (``Answer.path``: model/checked/retried/extractive), if known."""
    model_seconds: float | None = None
    """Of ``seconds``, the time inside chat-model calls (None: the model could not be timed)."""
    model_calls: int = 0
    judged: bool | None = None
    first_text_seconds: float | None = None
    """Wall time to the answer's first text (streamed), the description already made."""

    @property
    def in_language(self) -> bool:
        """Whether the answer is in the question's language (`question_language` on the answer)."""
        from videochat_text.answering.language import question_language

        return question_language(self.answer) == self.question.lang

    @property
    def cited(self) -> bool | None:
        """Whether some citation holds the question's ``cite`` keyword (None: nothing to cite)."""
        if self.question.cite is None:
            return None
        keyword = self.question.cite.lower()
        return any(keyword in text.lower() for text in self.citations)

    @property
    def overhead_seconds(self) -> float | None:
        return None if self.model_seconds is None else max(0.0, self.seconds - self.model_seconds)


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def summarize(results: list[Result]) -> dict[str, Any]:
    """Accuracy, invented answers, citation recall, paths and latency of ``results``."""
    n = len(results)
    citable = [r for r in results if r.cited is not None]
    timed = [r for r in results if r.overhead_seconds is not None]
    judged = [r for r in results if r.judged is not None]
    return {
        "n": n,
        "right": sum(r.right for r in results),
        "accuracy": _share(sum(r.right for r in results), n),
        "invented": sum(bool(r.invented) for r in results),
        "invented_share": _share(sum(bool(r.invented) for r in results), n),
        "citable": len(citable),
        "cited": sum(bool(r.cited) for r in citable),
        "citation_recall": _share(sum(bool(r.cited) for r in citable), len(citable)) if citable else None,
        "paths": dict(Counter(r.path for r in results if r.path is not None)),
        "in_language": _share(sum(r.in_language for r in results), n),
        "right_in_language": _share(sum(r.right and r.in_language for r in results), n),
        "judge_accuracy": _share(sum(bool(r.judged) for r in judged), n) if judged and len(judged) == n else None,
        "p50_s": _percentile([r.seconds for r in results], 50),
        "p95_s": _percentile([r.seconds for r in results], 95),
        "overhead_p50_ms": _ms(_percentile([r.overhead_seconds for r in timed], 50)),
        "overhead_p95_ms": _ms(_percentile([r.overhead_seconds for r in timed], 95)),
        "mean_prompt_tokens": round(sum(r.prompt_tokens for r in results) / n) if n else 0,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    model_timed: bool = True
    """False when the chat model's calls could not be timed (no overhead figures then)."""
    clip_seconds: dict[str, float] = field(default_factory=dict)
    """Each clip's duration, for latency on short clips."""

    def in_split(self, split: str) -> list[Result]:
        return list(self.results) if split == "all" else [r for r in self.results if r.question.split == split]

    def by_type(self, split: str = "all") -> dict[str, dict[str, Any]]:
        """A summary per question type, per non-English language (``lang zh``), and ``all``."""
        results = self.in_split(split)
        groups: dict[str, list[Result]] = defaultdict(list)
        for r in results:
            groups[r.question.type].append(r)
        for r in results:
            if r.question.lang != "en":
                groups[f"lang {r.question.lang}"].append(r)
        groups["all"] = results
        return {name: summarize(rs) for name, rs in groups.items()}

    def by_clip(self, split: str = "all") -> dict[str, dict[str, Any]]:
        groups: dict[str, list[Result]] = defaultdict(list)
        for r in self.in_split(split):
            groups[r.clip].append(r)
        return {name: {**summarize(rs), "clip_s": self.clip_seconds.get(name)} for name, rs in groups.items()}

    def short_clip_latency(self, split: str = "all", max_clip_s: float = 15.0) -> dict[str, Any]:
        """Latency on clips of at most ``max_clip_s`` (the target is stated for a 10 s clip)."""
        short = [r for r in self.in_split(split) if self.clip_seconds.get(r.clip, 0.0) <= max_clip_s]
        s = summarize(short)
        return {k: s[k] for k in ("n", "p50_s", "p95_s", "overhead_p50_ms", "overhead_p95_ms")}

    def latency_by_turn(self, split: str = "all") -> dict[str, dict[str, Any]]:
        """Seconds to the first text and to the whole answer, p50/p95, for first questions (a new
        conversation) and follow-ups (the last turn of a ``follow_up`` question)."""
        kinds = {"first question": [r for r in self.in_split(split) if len(r.question.asked) == 1],
                 "follow-up": [r for r in self.in_split(split) if len(r.question.asked) > 1]}
        return {kind: {"n": len(rs),
                       "first_text_p50_s": _percentile([r.first_text_seconds for r in rs
                                                        if r.first_text_seconds is not None], 50),
                       "whole_p50_s": _percentile([r.seconds for r in rs], 50),
                       "whole_p95_s": _percentile([r.seconds for r in rs], 95)}
                for kind, rs in kinds.items() if rs}

    def to_dict(self, splits: tuple[str, ...] = ("dev", "test", "all")) -> dict[str, Any]:
        return {
            "splits": {split: {"by_type": self.by_type(split), "by_clip": self.by_clip(split),
                               "short_clip_latency": self.short_clip_latency(split),
                               "latency_by_turn": self.latency_by_turn(split)}
                       for split in splits if self.in_split(split)},
            "model_timed": self.model_timed,
            "results": [{
                "clip": r.clip, "type": r.question.type, "split": r.question.split, "lang": r.question.lang,
                "question": r.question.asked, "answer": r.answer, "right": r.right, "invented": r.invented,
                "path": r.path, "in_language": r.in_language, "cite": r.question.cite, "cited": r.cited, "citations": r.citations,
                "judged": r.judged, "seconds": round(r.seconds, 3),
                "first_text_seconds": None if r.first_text_seconds is None else round(r.first_text_seconds, 3),
                "model_seconds": None if r.model_seconds is None else round(r.model_seconds, 3),
                "model_calls": r.model_calls, "prompt_tokens": r.prompt_tokens,
            } for r in self.results],
        }

    def to_json(self, splits: tuple[str, ...] = ("dev", "test", "all")) -> str:
        return json.dumps(self.to_dict(splits), indent=2, ensure_ascii=False)

    def table(self, split: str = "all") -> str:
        """Per type: right, invented answers, citation recall, answer paths, latency and overhead."""
        rows = [f"{'type':<16}{'n':>4}{'right':>6}{'acc':>6}{'invented':>10}{'cited':>8}{'p50 s':>7}{'p95 s':>7}"
                f"{'ovh p50 ms':>11}{'judge':>7}{'in lang':>8}  paths"]
        for name, s in self.by_type(split).items():
            cited = "-" if s["citation_recall"] is None else f"{s['cited']}/{s['citable']}"
            judge = "-" if s["judge_accuracy"] is None else f"{s['judge_accuracy']:.0%}"
            overhead = "-" if s["overhead_p50_ms"] is None else f"{s['overhead_p50_ms']:.0f}"
            paths = " ".join(f"{k}:{v}" for k, v in sorted(s["paths"].items())) or "-"
            rows.append(f"{name:<16}{s['n']:>4}{s['right']:>6}{s['accuracy']:>6.0%}"
                        f"{s['invented']:>4} {s['invented_share']:>4.0%}{cited:>8}{s['p50_s']:>7.2f}{s['p95_s']:>7.2f}"
                        f"{overhead:>11}{judge:>7}{s['in_language']:>8.0%}  {paths}")
        short = self.short_clip_latency(split)
        if short["n"]:
            rows.append(f"clips <= 15 s: {short['n']} answers, p50 {short['p50_s']:.2f} s, p95 {short['p95_s']:.2f} s"
                        + ("" if short["overhead_p50_ms"] is None else
                           f", our overhead p50 {short['overhead_p50_ms']:.0f} ms, p95 {short['overhead_p95_ms']:.0f} ms"))
        return "\n".join(rows)


JUDGE_PROMPT = (
    "You grade answers about a video. Question: {question}\nAccepted answers: {accepted}\n"
    "Candidate answer: {answer}\nIs the candidate answer correct? Reply with one word: CORRECT or WRONG."
)
NOT_SAID_FOR_JUDGE = "the video does not say (any answer stating a specific fact is wrong)"

WARM_UP_QUESTION = "What happens in the video?"


def _answer_parts(answer: Any, session: Any) -> tuple[str, list[str], str | None]:
    """Text, cited texts and path of what ``ask`` returned (an `Answer`)."""
    return answer.text, [c.text for c in answer.citations], answer.path


def _prompt_tokens(session: Any, question: str, count: Callable[[str], int]) -> int:
    messages = getattr(session, "messages", None)
    if messages is None:
        return 0
    return sum(count(str(m.content)) for m in messages(question))


def _scored(clip: str, question: Question, text: str, grounds: Grounds, **measured: Any) -> Result:
    invented = grounds.invented(text, question.asked, question.lang)
    return Result(clip, question, text, question.is_right(text, bool(invented)), invented=invented, **measured)


def rescore(saved: dict[str, Any], qa: QASet, vc: VideoChat, media_dir: Path) -> Report:
    """Score the answers of an earlier run (``Report.to_dict``) again with today's rules and
    QA set (accepted answers, invented facts), without asking again: the clips' descriptions
    come from the cache. Answers to questions no longer in the set are dropped."""
    specs = {(c.name, tuple(q.asked)): (c, q) for c in qa.clips for q in c.questions}
    grounds: dict[str, Grounds] = {}
    report = Report(model_timed=saved.get("model_timed", True))
    for item in saved["results"]:
        found = specs.get((item["clip"], tuple(item["question"])))
        if found is None:
            continue
        spec, question = found
        if spec.name not in grounds:
            description = vc.describe(build_clip(spec, media_dir))
            grounds[spec.name] = Grounds.of(description)
            report.clip_seconds[spec.name] = description.video.duration
        result = _scored(spec.name, question, item["answer"], grounds[spec.name], seconds=item["seconds"],
                         prompt_tokens=item["prompt_tokens"], citations=item["citations"], path=item["path"],
                         model_seconds=item["model_seconds"], model_calls=item["model_calls"])
        result.judged = item.get("judged")
        report.results.append(result)
    return report


def evaluate(
    qa: QASet,
    vc: VideoChat,
    media_dir: Path,
    *,
    judge: VideoChat | None = None,
    warm_up: bool = False,
    on_result: Callable[[Result], None] = lambda r: None,
    speech: Speech = "heard",
) -> Report:
    """Describe each clip once, ask its questions (follow-ups in one chat), and score the answers.

    Args:
        warm_up: ask one unscored question first, so the timed answers find every model
            (chat, embeddings) loaded, as a user's second question does.
        speech: "true" asks about the clip's own lines in place of what the speech module heard
            (`with_true_speech`).
    """
    clock = ModelClock()
    report = Report(model_timed=clock.attach(vc.chat_model))
    count = token_counter(vc.chat_model)
    for n, spec in enumerate(qa.clips):
        description = vc.describe(build_clip(spec, media_dir))
        if speech == "true":
            description = with_true_speech(description, spec)
        report.clip_seconds[spec.name] = description.video.duration
        grounds = Grounds.of(description)
        if warm_up and n == 0:
            vc.chat(description).ask(WARM_UP_QUESTION)
        for question in spec.questions:
            session = vc.chat(description)
            for turn in question.asked[:-1]:
                session.ask(turn)
            final = question.asked[-1]
            tokens = _prompt_tokens(session, final, count)
            clock.reset()
            started, first_text = time.perf_counter(), None
            stream = session.stream(final)
            for chunk in stream:
                if first_text is None and chunk.strip():
                    first_text = time.perf_counter() - started
            seconds = time.perf_counter() - started
            answer = stream.answer
            text, citations, path = _answer_parts(answer, session)
            result = _scored(spec.name, question, text, grounds, seconds=seconds, prompt_tokens=tokens,
                             citations=citations, path=path, model_calls=clock.calls,
                             model_seconds=clock.seconds if report.model_timed else None,
                             first_text_seconds=first_text)
            if judge is not None:
                accepted = ", ".join(question.accept) if question.accept else NOT_SAID_FOR_JUDGE
                verdict = judge.chat_model.invoke(JUDGE_PROMPT.format(question=final, accepted=accepted, answer=text))
                result.judged = "CORRECT" in str(verdict.content).upper()
            report.results.append(result)
            on_result(result)
    return report
