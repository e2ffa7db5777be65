"""What a question gets back: the answer's text and the timeline entries it rests on."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..timeline import format_timestamp

AnswerPath = Literal["model", "checked", "retried", "extractive"]


class Citation(BaseModel):
    """One moment of the video an answer rests on: a timeline entry, as the user can check it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: float
    """Seconds from the start of the video."""
    end: float
    module: str
    text: str
    event_ids: tuple[str, ...] = ()
    """The ids of the description's events this entry stands for."""
    video: str | None = None
    """Which video, when answering across a library of them."""

    def line(self) -> str:
        """``[0:02:30.0–0:02:32.1] speech: "Remember the password is blue giraffe."``"""
        where = f"{self.video} " if self.video else ""
        return f"{where}[{format_timestamp(self.start)}–{format_timestamp(self.end)}] {self.module}: {self.text}"


class Answer(BaseModel):
    """An answer and its citations; ``str(answer)`` is the text, so callers that want a string keep working."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    citations: list[Citation] = Field(default_factory=list)
    """At most a handful, best first; none when the answer says the description does not tell."""
    path: AnswerPath = "model"
    """How the text was reached: the model's answer as given (``model``), replaced by an answer
    check from the timeline (``checked``), the model asked again with only the cited entries
    (``retried``), or quoted from the best entry (``extractive``)."""

    def __str__(self) -> str:
        return self.text

    def __contains__(self, item: str) -> bool:  # ``"three" in answer`` keeps working like a str
        return item in self.text

    def __eq__(self, other: object) -> bool:  # callers that compared the answer string keep working
        if isinstance(other, str):
            return self.text == other
        return super().__eq__(other)

    __hash__ = BaseModel.__hash__

    def sources_text(self) -> str:
        """The ``Sources:`` block the CLI prints under an answer (empty without citations)."""
        if not self.citations:
            return ""
        return "\n".join(["Sources:", *(f"  {c.line()}" for c in self.citations)])

    def to_json_dict(self) -> dict:
        """``{"answer": str, "citations": [{"start", "end", "module", "text"}]}`` (``video`` when set)."""
        citations = []
        for c in self.citations:
            item = {"start": c.start, "end": c.end, "module": c.module, "text": c.text}
            if c.video is not None:
                item["video"] = c.video
            citations.append(item)
        return {"answer": self.text, "citations": citations}
