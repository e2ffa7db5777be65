"""Question-answering evaluation: build the QA set's clips, describe them, ask, score.

The QA set (``tests/data/qa/qa.yaml``) names scikit-image photos as shots and
sentences that espeak-ng speaks at given times, so its clips are real media with
known ground truth; each question lists accepted answer strings. Building the
clips needs scikit-image, ffmpeg and espeak-ng (the ``test`` extra and Debian).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from videochat_text.chat_models import token_counter
from videochat_text.errors import ConfigError
from .synthetic import Line, Shot, make_clip
from videochat_text.videochat import VideoChat


CLIP_RECIPE_VERSION = 2
"""Bump when clip building changes, so stored clips are rebuilt."""


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    q: str | None = None
    turns: list[str] = Field(default_factory=list)
    """For follow-ups: the questions asked in order in one chat; the last is scored."""
    accept: list[str]
    reject: list[str] = Field(default_factory=list)

    @property
    def asked(self) -> list[str]:
        return self.turns or [self.q or ""]

    def is_right(self, answer: str) -> bool:
        text = f" {answer.lower()} "
        return any(a.lower() in text for a in self.accept) and not any(r.lower() in text for r in self.reject)


class ClipSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    shots: list[tuple[str, float]]
    lines: list[tuple[float, str]] = Field(default_factory=list)
    questions: list[Question]

    def digest(self) -> str:
        recipe = self.model_dump_json(exclude={"questions"}) + f"|v{CLIP_RECIPE_VERSION}"
        return hashlib.sha256(recipe.encode()).hexdigest()[:12]


class QASet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clips: list[ClipSpec]

    @classmethod
    def load(cls, path: str | Path) -> "QASet":
        try:
            return cls.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise ConfigError(f"QA set {path}: {exc}") from None

    def subset(self, per_clip: int | None) -> "QASet":
        if per_clip is None:
            return self
        return QASet(clips=[c.model_copy(update={"questions": c.questions[:per_clip]}) for c in self.clips])


def _photo(name: str) -> np.ndarray:
    try:
        import skimage.data
    except ImportError as exc:
        raise ConfigError("building QA clips needs scikit-image: pip install 'videochat-text[test]'") from exc
    image = getattr(skimage.data, name)()
    # fit_image (in make_clip) converts grey, boolean and RGBA images.
    return image[0] if isinstance(image, tuple) else image  # stereo pairs: the left view


def build_clip(spec: ClipSpec, folder: Path) -> Path:
    """The clip for ``spec`` in ``folder``, encoded once and reused while the spec is unchanged."""
    path = folder / f"{spec.name}-{spec.digest()}.mp4"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        make_clip(path, [Shot(_photo(n), s) for n, s in spec.shots], [Line(t, text) for t, text in spec.lines])
    return path


@dataclass
class Result:
    clip: str
    question: Question
    answer: str
    right: bool
    seconds: float
    prompt_tokens: int
    judged: bool | None = None
    corrected: bool = False
    """The model's answer contradicted the timeline and was replaced from it (`grounding`)."""


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def by_type(self) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[Result]] = defaultdict(list)
        for r in self.results:
            groups[r.question.type].append(r)
        groups["all"] = list(self.results)
        return {
            name: {
                "n": len(rs),
                "right": sum(r.right for r in rs),
                "accuracy": round(sum(r.right for r in rs) / len(rs), 3) if rs else 0.0,
                "judge_accuracy": (round(sum(bool(r.judged) for r in rs) / len(rs), 3)
                                   if rs and all(r.judged is not None for r in rs) else None),
                "mean_seconds": round(sum(r.seconds for r in rs) / len(rs), 2) if rs else 0.0,
                "mean_prompt_tokens": round(sum(r.prompt_tokens for r in rs) / len(rs)) if rs else 0,
                "corrected": sum(r.corrected for r in rs),
            }
            for name, rs in groups.items()
        }

    def to_json(self) -> str:
        return json.dumps({
            "summary": self.by_type(),
            "results": [{"clip": r.clip, "type": r.question.type, "question": r.question.asked, "answer": r.answer,
                         "right": r.right, "judged": r.judged, "seconds": round(r.seconds, 2),
                         "prompt_tokens": r.prompt_tokens, "corrected": r.corrected} for r in self.results],
        }, indent=2)

    def table(self) -> str:
        rows = ["type              n  right  accuracy  judge  mean s  prompt tokens  corrected"]
        for name, s in self.by_type().items():
            judge = "-" if s["judge_accuracy"] is None else f"{s['judge_accuracy']:.0%}"
            rows.append(f"{name:<16}{s['n']:>3}{s['right']:>7}{s['accuracy']:>10.0%}{judge:>7}"
                        f"{s['mean_seconds']:>8.2f}{s['mean_prompt_tokens']:>15}{s['corrected']:>11}")
        return "\n".join(rows)


JUDGE_PROMPT = (
    "You grade answers about a video. Question: {question}\nAccepted answers: {accepted}\n"
    "Candidate answer: {answer}\nIs the candidate answer correct? Reply with one word: CORRECT or WRONG."
)


def evaluate(
    qa: QASet,
    vc: VideoChat,
    media_dir: Path,
    *,
    judge: VideoChat | None = None,
    on_result: Callable[[Result], None] = lambda r: None,
) -> Report:
    """Describe each clip once, ask its questions (follow-ups in one chat), and score the answers."""
    report = Report()
    count = token_counter(vc.chat_model)
    for spec in qa.clips:
        description = vc.describe(build_clip(spec, media_dir))
        for question in spec.questions:
            session = vc.chat(description)
            started = time.perf_counter()
            for turn in question.asked[:-1]:
                session.ask(turn)
            final = question.asked[-1]
            tokens = sum(count(str(m.content)) for m in session.messages(final))
            answer = session.ask(final)
            result = Result(spec.name, question, answer.text, question.is_right(answer.text),
                            time.perf_counter() - started, tokens, corrected=answer.path == "checked")
            if judge is not None:
                verdict = judge.chat_model.invoke(JUDGE_PROMPT.format(
                    question=final, accepted=", ".join(question.accept), answer=answer)).content
                result.judged = "CORRECT" in str(verdict).upper()
            report.results.append(result)
            on_result(result)
    return report
