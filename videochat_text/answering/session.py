"""A conversation about one described video: each answer checked, verified and cited.

For every question:

1. A question in Chinese or Spanish is translated to English for searching (`language`).
2. "When was X said/shown?" is answered from the timeline with the matching entries'
   times (`when`), without the model.
3. Otherwise the model answers from the description the question needs (`context`).
4. Answers to "is there a X?", "when is X seen?", "what is said at T?" are checked
   against the detections and transcript, and replaced when they contradict them
   (`checks`).
5. Prompt scaffolding is stripped (`scaffolding`).
6. An answer stating numbers, times or names found in no entry is not shown as it is:
   the model is asked once more with only the best entries; if it still invents, the
   best entry is quoted with its time (`facts`).
7. The entries it rests on are cited (`citations`).

Each `Answer` says which path produced it (``model``, ``checked``, ``retried``,
``extractive``); `ChatSession.paths` counts them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..errors import ChatModelError
from ..prompt import Templates, chat_prompt, defang, strict_prompt
from ..timeline import Description, Event
from . import citations as cite
from . import scaffolding
from .answer import Answer
from .checks import check_answer, parse_question, sightings_for
from .context import ContextSelector
from .facts import Corpus, clock, unsupported
from .language import TRANSLATE_PROMPT, phrase, question_language
from .when import find_moments, parse_when

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

STRICT_ENTRIES = 5
"""How many entries the stricter second prompt holds."""


@dataclass
class _Turn:
    """One question on its way to an answer (per call: sessions hold no per-answer state)."""

    question: str
    language: str
    search_as: str
    """The question in English (itself, or the model's translation)."""
    on_stage: Callable[[str], None] = lambda stage: None


class AnswerStream:
    """Iterate to get the answer's text as it is given; then ``answer`` holds the whole `Answer`.

    Example:
        >>> stream = session.stream("What is said first?")
        >>> for chunk in stream:
        ...     print(chunk, end="")
        >>> stream.answer.citations
    """

    def __init__(self, chunks: Iterator[str], finish: Callable[[], Answer]):
        self._chunks = chunks
        self._finish = finish
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._chunks
        self.answer = self._finish()


class ChatSession:
    """A conversation about one described video; remembers earlier turns.

    Example:
        >>> session = vc.chat(description)
        >>> session.ask("What is said at the start?")
        >>> session.ask("And after that?")
    """

    def __init__(self, model: "Runnable", templates: Templates, description: Description, context: ContextSelector,
                 *, history_turns: int = 6, redact: Callable[[str], str] = lambda text: text,
                 check_answers: bool = True):
        self.model = model
        self.description = description
        self.history: list["BaseMessage"] = []
        """Earlier turns as plain question/answer messages (without the description)."""
        self.history_turns = history_turns
        self.paths: Counter[str] = Counter()
        """How many answers each path produced (``model``, ``checked``, ``retried``, ``extractive``)."""
        self._templates = templates
        self._context = context
        self._redact = redact
        self._check_answers = check_answers
        self._prompt = chat_prompt(templates)
        self._strict = strict_prompt(templates)
        self._corpus: Corpus | None = None

    # --- what the model receives ---------------------------------------------------
    def _recent(self) -> list["BaseMessage"]:
        return self.history[-2 * self.history_turns:] if self.history_turns else []

    def _turn(self, question: str) -> _Turn:
        question = question.strip()
        if not question:
            raise ChatModelError("the question is empty")
        language = question_language(question)
        search_as = question if language == "en" else self._translate(question)
        return _Turn(question, language, search_as)

    def _inputs(self, turn: _Turn) -> dict[str, Any]:
        description = self._context.for_question(turn.question, self._recent(), search_as=turn.search_as)
        return {"description": description, "history": self._recent(), "question": turn.question}

    def messages(self, question: str) -> list["BaseMessage"]:
        """Exactly what the model receives for ``question`` (for ``--show-prompt``)."""
        return self._prompt.format_messages(**self._inputs(self._turn(question)))

    # --- answering -------------------------------------------------------------------
    def ask(self, question: str) -> Answer:
        stream = self.stream(question)
        for _ in stream:
            pass
        assert stream.answer is not None
        return stream.answer

    def stream(self, question: str, on_stage: Callable[[str], None] | None = None) -> AnswerStream:
        """The answer as it is generated (text chunks), then the whole `Answer` in ``.answer``.

        Answers the checks or verification may replace are given whole once settled; others
        stream sentence by sentence, each verified before it is given. ``on_stage`` hears
        ``reading``, ``thinking`` (the model generates), ``checking`` and ``retrying``.
        """
        turn = self._turn(question)
        turn.on_stage = on_stage or turn.on_stage
        done: dict[str, Answer] = {}

        def chunks() -> Iterator[str]:
            turn.on_stage("reading")
            answer = self._from_timeline(turn)
            if answer is None:
                yield from self._model_answer(turn, done)
                answer = done["answer"]
            else:
                yield answer.text
            done["answer"] = answer

        def finish() -> Answer:
            answer = done["answer"]
            self.paths[answer.path] += 1
            # An answer quoting the video re-enters later prompts outside the fence: made safe like it.
            from langchain_core.messages import AIMessage, HumanMessage

            self.history += [HumanMessage(turn.question), AIMessage(defang(answer.text))]
            return answer

        return AnswerStream(chunks(), finish)

    def _from_timeline(self, turn: _Turn) -> Answer | None:
        """A "when was X said/shown?" question answered with the matching entries' times."""
        when = parse_when(turn.search_as)
        if when is None or (when.kind in ("seen", "any") and parse_question(turn.search_as) is not None):
            return None  # "when is the horse shown?" is the answer checks' (detector labels, not words)
        entries = self._context.prepared.entries
        nearest = self._context.nearest(when.subject, 5) if when.subject else []
        found = find_moments(when, entries, self._context.prepared.roles, nearest=nearest)
        if not found:
            return None
        lines = [phrase("at", turn.language, time=clock(entries[i].start), module=entries[i].module,
                        text=entries[i].text) for i in found]
        return Answer(text=" ".join(lines), citations=[cite.citation(entries[i]) for i in found], path="checked")

    def _model_answer(self, turn: _Turn, done: dict[str, Answer]) -> Iterator[str]:
        inputs = self._inputs(turn)
        system = self._templates.system
        turn.on_stage("thinking")
        checked = self._check_answers and turn.language in ("en", "zh", "es") and parse_question(turn.search_as)
        if checked:  # the check may replace it: give it whole once settled
            text = scaffolding.strip("".join(self._generate(self._prompt, inputs)), system)
            turn.on_stage("checking")
            replaced = check_answer(turn.search_as, text, self._context.prepared.evidence, turn.language)
            if replaced is not None:
                log.info("answer %r contradicted the detections; answering from them", text)
                done["answer"] = self._cited(turn, replaced, "checked")
                yield replaced
                return
            answer = self._verified(turn, text, "model")
            done["answer"] = answer
            yield answer.text
            return
        given: list[str] = []
        pending = ""

        def sentences() -> Iterator[str]:  # the model's answer, a sentence at a time, the rest last
            nonlocal pending
            for chunk in self._generate(self._prompt, inputs):
                pending += chunk
                *complete, pending = _sentences(pending)
                yield from complete
            yield pending

        for sentence in sentences():
            clean = scaffolding.strip(sentence, system)
            if not clean:
                continue
            if self._invents(turn, clean):  # stop the model's answer here; what follows is recovered
                kept = " ".join(given)
                answer = self._recover(turn, kept)
                done["answer"] = answer
                yield answer.text[len(kept):] if given else answer.text
                return
            yield (" " if given else "") + clean
            given.append(clean)
        text = " ".join(given).strip()
        if not text:  # nothing but scaffolding: answer from the timeline
            answer = self._recover(turn, "")
            done["answer"] = answer
            yield answer.text
            return
        done["answer"] = self._cited(turn, text, "model")

    def _verified(self, turn: _Turn, text: str, path: str) -> Answer:
        if not text or self._invents(turn, text):
            return self._recover(turn, "")
        return self._cited(turn, text, path)

    def _invents(self, turn: _Turn, text: str) -> bool:
        """Whether ``text`` states a number, time or name that no entry (nor the question) holds."""
        if cite.says_not_told(text):
            return False
        if self._corpus is None:
            d = self.description
            header = [d.header(), d.summary.text if d.summary else ""]
            self._corpus = Corpus.of(self._context.prepared.entries, header)
        history = " ".join(str(m.content) for m in self._recent() if m.type == "human")
        corpus = self._corpus
        question_facts = Corpus.of([], [turn.question, turn.search_as, history])
        missing = [f for f in unsupported(text, corpus, names=turn.language == "en") if not question_facts.supports(f)]
        if missing:
            log.info("answer %r states %s, found in no entry", text, ", ".join(f.text for f in missing))
        return bool(missing)

    def _recover(self, turn: _Turn, kept: str) -> Answer:
        """The model invented something: ask again with only the best entries; else quote the best one."""
        best = self._best_entries(turn, STRICT_ENTRIES)
        if best:
            turn.on_stage("retrying")
            lines = "\n".join(defang(e.line(with_boxes=False)) for e in best)
            retried = scaffolding.strip("".join(self._generate(self._strict, {"entries": lines, "question": turn.question})),
                                        self._templates.system)
            if retried and not self._invents(turn, retried):
                return self._cited(turn, f"{kept} {retried}".strip(), "retried")
        if not best:
            text = kept or _NOT_TOLD.get(turn.language, _NOT_TOLD["en"])
            return Answer(text=text, citations=[], path="extractive")
        entry = best[0]
        if self._context.prepared.roles.get(entry.module) == "heard":
            quote = entry.data.get("transcript") or entry.text.strip('"')
            text = phrase("says", turn.language, time=clock(entry.start), who=entry.data.get("speaker") or "", text=quote)
        else:
            text = phrase("shows", turn.language, time=clock(entry.start), text=entry.text)
        # The model could not answer without inventing: say so, and show the closest moment.
        text = f"{_NOT_EXACTLY.get(turn.language, _NOT_EXACTLY['en'])} {text}"
        return Answer(text=f"{kept} {text}".strip(), citations=[cite.citation(entry)], path="extractive")

    def _best_entries(self, turn: _Turn, k: int) -> list[Event]:
        entries = self._context.prepared.entries
        nearest = self._context.nearest(turn.search_as, k)
        asked = cite.content_words(turn.search_as)
        overlap = sorted(((len(asked & cite.content_words(e.text)), -i) for i, e in enumerate(entries)), reverse=True)
        lexical = [-i for n, i in overlap if n > 0]
        order = list(dict.fromkeys([*lexical[:k], *nearest]))
        return [entries[i] for i in order[:k]]

    def _cited(self, turn: _Turn, text: str, path: str) -> Answer:
        entries = self._context.prepared.entries
        evidence = []
        for sighting in sightings_for(turn.search_as, self._context.prepared.evidence):
            evidence += [i for i, e in enumerate(entries) if e.start <= sighting.end and e.end >= sighting.start
                         and e.module in sighting.modules]
        chosen = cite.choose(entries, f"{turn.question} {turn.search_as}", text, evidence=evidence,
                             same_language=turn.language == "en")
        return Answer(text=text, citations=[cite.citation(entries[i]) for i in chosen], path=path)  # type: ignore[arg-type]

    def _translate(self, question: str) -> str:
        """The question in English, by the chat model (for searching the timeline)."""
        from langchain_core.messages import HumanMessage

        try:
            reply = self.model.invoke([HumanMessage(TRANSLATE_PROMPT.format(question=question))])
        except Exception as exc:  # searching with the original question still works, only worse
            log.warning("could not translate the question for searching (%s)", self._redact(str(exc)))
            return question
        text = str(getattr(reply, "content", reply)).strip().splitlines()
        return text[0].strip().strip('"') if text and text[0].strip() else question

    def _generate(self, prompt, inputs: dict[str, Any]) -> Iterator[str]:
        from langchain_core.output_parsers import StrOutputParser

        try:
            yield from (prompt | self.model | StrOutputParser()).stream(inputs)
        except ChatModelError:
            raise
        except Exception as exc:  # provider SDKs raise their own error types; all mean "no answer"
            message = self._redact(f"{type(exc).__name__}: {exc}")
            raise ChatModelError(f"the chat model failed to answer: {message}") from None


_NOT_TOLD = {"en": "The video description does not say.", "zh": "视频描述中没有提到。",
             "es": "La descripción del vídeo no lo dice."}
_NOT_EXACTLY = {"en": "The video description does not say exactly; the closest it has:",
                "zh": "视频描述没有直接说明；最接近的是：", "es": "La descripción del vídeo no lo dice exactamente; lo más cercano:"}


def _sentences(text: str) -> list[str]:
    """Complete sentences, then the unfinished rest (last). ``0:00:06.5`` does not end one."""
    parts = re.split(r"(?<=[.!?])\s+|(?<=[。！？])", text)
    return parts if parts else [""]
