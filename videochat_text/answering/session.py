"""A conversation about one described video: each answer checked, verified and cited.

For every question:

1. A question that cannot be asked (empty, only punctuation, longer than the prompt has
   room for) is refused with one line (`QuestionError`), before any model call.
2. Its language is identified (`language`); a question in another language than English
   is translated for searching the (English) timeline.
3. A single "when was X said/shown?" question is answered from the timeline with the
   matching entries' times (`when`), without the model; compound ones go to the model, one
   part at a time (`questions.split_question`), each part reading the answers before it.
4. Otherwise the model answers from the description the question needs (`context`).
5. Prompt scaffolding is stripped (`scaffolding`).
6. An answer with a flaw — the question given back or only restated, a thing both absent
   and mentioned, a voice label as a name, an earlier answer copied, a moment unrelated to
   the question (`flaws`) — or stating numbers, times, names or attributes (colour,
   material, age, mood) found in no entry (`facts`) is not shown as it is (`inspection`):
   the model is asked once more with only the best entries; if that fails too, the best
   entry is quoted with its time.
7. Answers to "is there a X?", "when is X seen?", "what is said at T?", "what is said?",
   "how many people talk?" are reviewed against the detections and transcript (`checks`):
   evidence is attached, never a claim.
8. The entries it rests on are cited (`citations`).
9. A question in another language than English is put to the model in English (its translation), so
   the answer meets every check above, and the answer is translated back (`language`), kept in English
   when the translation loses a name, number or time; these answers are given whole, not streamed.

``chat.check_answers: false`` turns steps 3, 6 and 7 off: the model's answer as it gives it.
Each `Answer` says which path produced it (``model``, ``checked``, ``retried``,
``extractive``); `ChatSession.paths` counts them.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from ..errors import ChatModelError, QuestionError
from ..prompt import Templates, TokenCounter, chat_prompt, defang, estimate_tokens, strict_prompt
from ..payloads import DrawnPictureData
from ..timeline import SUMMARY_MODULE, Description, Event
from . import citations as cite
from . import scaffolding
from .answer import Answer
from .checks import Review, Sighting, answer_times, introductions, label_for, parse_question, review, sightings_for
from .context import ContextSelector
from .facts import clock
from .flaws import asks_about_the_look, holds_the_value_asked, says_nothing_new, stems, voice_labels_only
from .inspection import Asked, Inspector
from .language import (LANGUAGE_NAMES, TRANSLATE_PROMPT, answer_prompt, is_translation, names_in, needs_translation,
                       phrase, question_language, translated)
from .questions import split_question, with_time_resolved
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
    in_english: bool = False
    """The model is asked ``search_as`` and its English answer is translated back (`_in_language`): every question
    in another language when answers are checked."""
    on_stage: Callable[[str], None] = lambda stage: None
    """Told ``reading``, ``thinking``, ``checking``, ``retrying`` as the answer is worked out."""
    earlier_turns: int | None = None
    """How many history messages are earlier turns (a part of a compound question: the parts
    before it are not, so one answer to two parts is not "an earlier answer copied")."""

    @property
    def to_model(self) -> str:
        """The question as the model is asked it."""
        return self.search_as if self.in_english else self.question


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

    def whole(self) -> Answer:
        """Read the rest of the stream; the whole `Answer`."""
        for _ in self:
            pass
        assert self.answer is not None
        return self.answer


class ChatSession:
    """A conversation about one described video; remembers earlier turns.

    Example:
        >>> session = vc.chat(description)
        >>> session.ask("What is said at the start?")
        >>> session.ask("And after that?")
    """

    def __init__(self, model: "Runnable", templates: Templates, description: Description, context: ContextSelector,
                 *, history_turns: int = 6, redact: Callable[[str], str] = lambda text: text,
                 check_answers: bool = True, count_tokens: TokenCounter = estimate_tokens,
                 max_question_tokens: int | None = None):
        """
        Args:
            check_answers: False gives the model's answers as they are (no rule answers,
                no verification, no retries); citations are still chosen.
            max_question_tokens: the longest question the prompt has room for (None: no limit).
        """
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
        self._count_tokens = count_tokens
        self._max_question_tokens = max_question_tokens
        self._prompt = chat_prompt(templates)
        self._strict = strict_prompt(templates)
        self._inspector = Inspector(description, context.prepared, nearest=context.nearest)

    @functools.cached_property
    def _names(self) -> frozenset[str]:
        """The words the video's lines write only with a capital (`language.names_in`), once an answer is to be
        translated."""
        return names_in(e.transcript or e.text for e in self._context.prepared.entries)

    # --- what the model receives ---------------------------------------------------
    def _recent(self) -> list["BaseMessage"]:
        return self.history[-2 * self.history_turns:] if self.history_turns else []

    def _turn(self, question: str, on_stage: Callable[[str], None] | None = None) -> _Turn:
        question = check_question(question, self._count_tokens, self._max_question_tokens)
        language = question_language(question)
        search_as = question if language == "en" else self._translate(question, language)
        if self._check_answers:  # "And fifteen seconds later?" is asked as the question before it, at that time
            search_as = with_time_resolved(search_as, [str(m.content) for m in self.history if m.type == "human"],
                                           answer_times)
        # Asked in English, the model's answer meets every check that reads English words, and is translated back
        # (`_in_language`). Over the QA set's 244 questions in Chinese, Spanish, French and German (1.5B model):
        # 172 right against 165 asked as asked, 41 wrong answers stating something against 60 (benchmarks/qa.py,
        # session 18; the Spanish "…en la parte inferior izquierda del edificio." for a tap "next to the shade, by
        # the gate" had passed unchecked).
        in_english = language != "en" and self._check_answers
        return _Turn(question, language, search_as, in_english, on_stage=on_stage or (lambda stage: None))

    def _inputs(self, turn: _Turn) -> dict[str, Any]:
        description = self._context.for_question(turn.question, self._recent(), search_as=turn.search_as)
        return {"description": description, "history": self._recent(), "question": turn.to_model}

    def messages(self, question: str) -> list["BaseMessage"]:
        """Exactly what the model receives for ``question`` (for ``--show-prompt``)."""
        return self._prompt.format_messages(**self._inputs(self._turn(question)))

    # --- answering -------------------------------------------------------------------
    def ask(self, question: str) -> Answer:
        return self.stream(question).whole()

    def stream(self, question: str, on_stage: Callable[[str], None] | None = None) -> AnswerStream:
        """The answer as it is generated (text chunks), then the whole `Answer` in ``.answer``.

        Answers the checks may change are given whole once settled; others stream sentence by
        sentence, each verified before it is given.

        Args:
            on_stage: called with ``reading`` (choosing the context), ``thinking`` (the model
                generates), ``checking`` (verifying the answer), ``retrying`` (asking again).

        Raises:
            QuestionError: the question is empty, only punctuation, or too long (at once,
                before any model call).
        """
        turn = self._turn(question, on_stage)
        done: dict[str, Answer] = {}

        def chunks() -> Iterator[str]:
            turn.on_stage("reading")
            pieces = self._answered(turn, done)
            if turn.language == "en" or not self._check_answers:
                yield from pieces
                return
            for _ in pieces:  # given whole, once it is in the question's language
                pass
            done["answer"] = self._in_language(turn, done["answer"])
            yield done["answer"].text

        def finish() -> Answer:
            answer = done["answer"]
            self.paths[answer.path] += 1
            # An answer quoting the video re-enters later prompts outside the fence: made safe like it.
            from langchain_core.messages import AIMessage, HumanMessage

            self.history += [HumanMessage(turn.question), AIMessage(defang(answer.text))]
            return answer

        return AnswerStream(chunks(), finish)

    def _answered(self, turn: _Turn, done: dict[str, Answer]) -> Iterator[str]:
        """The answer's text as it is given; the whole `Answer` in ``done["answer"]`` after."""
        parts = split_question(turn.to_model) if self._check_answers else [turn.question]
        if len(parts) > 1:
            yield from self._in_parts(turn, parts, done)
            return
        answer = self._from_timeline(turn) if self._check_answers else None
        if answer is None:
            yield from self._model_answer(turn, done)
            added = self._introduced(turn, done)
            if added:
                yield added
            return
        done["answer"] = answer
        yield answer.text

    def _introduced(self, turn: _Turn, done: dict[str, Answer]) -> str:
        """Beside an answer that is only voice labels ("Who said they were born in Lisbon?" → "S1"),
        the lines where those voices say who they are; the text added ("" when none)."""
        answer = done["answer"]
        labels = voice_labels_only(answer.text) if self._check_answers and answer.path in ("model", "retried") else []
        lines = introductions(labels, self._context.prepared.evidence, turn.language) if labels else ""
        if not lines:
            return ""
        kept = self._back(turn, answer.text).rstrip(" .")
        done["answer"] = self._cited(turn, f"{kept}. {lines}", "checked")
        return done["answer"].text[len(answer.text):]

    def _in_language(self, turn: _Turn, answer: Answer) -> Answer:
        """The model's answer in the question's language (see `_back`); answers made from the timeline
        are in it already."""
        if answer.path not in ("model", "retried"):
            return answer
        return answer.model_copy(update={"text": self._back(turn, answer.text)})

    def _back(self, turn: _Turn, text: str) -> str:
        """The model's ``text`` in the question's language: translated by the model when it is in another,
        and kept as it was unless the translation keeps its names, numbers and times and has no flaw of
        its own."""
        if turn.language == "en" or not self._check_answers or not needs_translation(text, turn.language, self._names):
            return text
        if cite.says_not_told(text) and len([s for s in _sentences(text) if s.strip()]) <= 1:
            # said in our words, not translated: "The aprons are not mentioned…" came back "Les chaises ne sont
            # pas mentionnées…" (fresh29, read)
            return phrase("not_told", turn.language)
        turn.on_stage("checking")
        prompt = answer_prompt(text, turn.language)
        try:
            back = scaffolding.strip(translated(self.model, prompt), self._templates.system)
        except Exception as exc:  # the answer in English still answers
            log.warning("could not translate the answer (%s)", self._redact(str(exc)))
            return text
        if not is_translation(text, back, turn.language, self._names) or self._flaw(turn, back, translated_back=True):
            log.info("answer %r kept untranslated: %r did not keep it", text, back)
            return text
        return back

    def _in_parts(self, turn: _Turn, parts: list[str], done: dict[str, Answer]) -> Iterator[str]:
        """A compound question answered one part at a time by the model, each part reading the
        ones before it as earlier turns ("… and what is it?"); the context is chosen for the whole
        question. The parts' answers joined, with all their citations, are the answer."""
        from langchain_core.messages import AIMessage, HumanMessage

        kept = len(self.history)
        answers: list[Answer] = []
        try:
            for n, part in enumerate(parts):
                part_done: dict[str, Answer] = {}
                asked = replace(turn, search_as=part) if turn.in_english else replace(turn, question=part)
                chunks = self._model_answer(replace(asked, earlier_turns=kept), part_done)
                if n == 0:
                    yield from chunks  # streamed, sentence by sentence
                else:  # given whole: one answer to two parts is said once
                    for _ in chunks:
                        pass
                    if all(part_done["answer"].text != a.text for a in answers):
                        yield " " + part_done["answer"].text
                answers.append(self._in_language(turn, part_done["answer"]))
                self.history += [HumanMessage(part), AIMessage(defang(answers[-1].text))]
        finally:
            del self.history[kept:]  # the conversation remembers the question as asked
        cited = list(dict.fromkeys(c for a in answers for c in a.citations))
        paths = {a.path for a in answers}  # the one furthest from the model's own answer
        path = next(p for p in ("extractive", "retried", "checked", "model") if p in paths)
        text = " ".join(dict.fromkeys(a.text for a in answers))  # one answer to both parts is said once
        done["answer"] = Answer(text=text, citations=cited, path=path)  # type: ignore[arg-type]

    def _from_timeline(self, turn: _Turn) -> Answer | None:
        """A single "when was X said/shown?" question answered with the matching entries' times."""
        when = parse_when(turn.search_as)
        if when is None:
            return None
        by_words_only = False
        if when.kind in ("seen", "any"):
            thing, relation = label_for(when.subject)
            if relation == "narrower" or thing in self._context.prepared.evidence.vocabulary:
                if parse_question(turn.search_as) is not None:
                    return None  # "when is the horse shown?" is the answer checks' (detector labels, not words)
            else:  # nothing a detector reports ("When does the password appear in the video?", translated from
                # "¿En qué momento del vídeo se menciona la contraseña?"): where a line names it, not a guess;
                # only by its words (the line nearest in meaning to "the astronaut" is "1 person (center)")
                when, by_words_only = replace(when, kind="any"), True
        entries = self._context.prepared.entries
        nearest = self._context.nearest(when.subject, 5) if when.subject and not by_words_only else []
        found = find_moments(when, entries, self._context.prepared.roles, nearest=nearest)
        if not found:
            return None
        lines = [phrase("at", turn.language, time=clock(entries[i].start), module=entries[i].module,
                        text=entries[i].text) for i in found]
        if not any(cite.content_words(when.subject) & cite.content_words(entries[i].text) for i in found):
            # Found by meaning alone: the nearest moment, not the answer ("… where the bus leaves from?" →
            # the van line, when Whisper had lost the words "bus leaves" from "The bus leaves from platform 4.")
            lines.insert(0, phrase("nearest", turn.language))
        return Answer(text=" ".join(lines), citations=[cite.citation(entries[i]) for i in found], path="checked")

    def _model_answer(self, turn: _Turn, done: dict[str, Answer]) -> Iterator[str]:
        inputs = self._inputs(turn)
        turn.on_stage("thinking")
        if not self._check_answers:
            text = scaffolding.strip("".join(self._generate(self._prompt, inputs)), self._templates.system)
            done["answer"] = self._cited(turn, text, "model")
            yield text
            return
        if parse_question(turn.search_as) is not None:  # the review may change it: give it whole once settled
            text = scaffolding.strip("".join(self._generate(self._prompt, inputs)), self._templates.system)
            turn.on_stage("checking")
            done["answer"] = self._reviewed(turn, text)
            yield done["answer"].text
            return
        yield from self._streamed(turn, inputs, done)

    def _streamed(self, turn: _Turn, inputs: dict[str, Any], done: dict[str, Answer]) -> Iterator[str]:
        """The model's answer a verified sentence at a time; a flawed one ends it and is recovered."""
        system = self._templates.system
        given: list[str] = []
        pending = ""

        def sentences() -> Iterator[str]:  # the model's answer, a sentence at a time, the rest last
            nonlocal pending
            for chunk in self._generate(self._prompt, inputs):
                pending += chunk
                *complete, pending = _sentences(pending)
                yield from complete
            yield pending

        held: list[str] = []
        """Sentences that only restate the question: given once a later one says something."""

        def recovered() -> str:  # the rest of the answer, after what was given
            kept = " ".join(given)
            done["answer"] = self._recover(turn, kept)
            return done["answer"].text[len(kept):] if given else done["answer"].text

        for sentence in sentences():
            clean = scaffolding.strip(sentence, system)
            if not clean:
                continue
            turn.on_stage("checking")
            so_far = " ".join([*given, *held, clean])
            if self._flaw(turn, so_far, whole=False):  # stop the model's answer here; the rest is recovered
                yield recovered()
                return
            if says_nothing_new(so_far, turn.to_model):
                held.append(clean)
                continue
            yield (" " if given else "") + " ".join([*held, clean])
            given += [*held, clean]
            held = []
            turn.on_stage("thinking")
        if held or not given:  # nothing but scaffolding, or the question restated: answer from the timeline
            yield recovered()
            return
        done["answer"] = self._cited(turn, " ".join(given).strip(), "model")

    def _reviewed(self, turn: _Turn, text: str) -> Answer:
        """An answer the checks apply to: kept, given with the evidence, replaced, or asked again."""
        evidence = self._context.prepared.evidence
        found = review(turn.search_as, text, evidence, turn.language) or Review("keep")
        if found.action == "replace":
            return self._cited(turn, found.text, "checked", found.sightings, check=False)
        if found.action == "withhold" and found.text:
            # What the modules found answers it ("…does not mention a dog: the object detector reported
            # none…"): asked again, the model gave less ("does not say") and took 7–10 s on a user's
            # fourth question in one chat (the retry's prompt shares no prefix with the chat's).
            return self._cited(turn, found.text, "extractive", found.sightings, check=False)
        flawed = not text or found.action == "withhold" or self._flaw(turn, text, confirmed=found.confirmed)
        if not flawed:
            return self._with_evidence(turn, text, "model", found)
        turn.on_stage("retrying")
        retried = self._retry(turn)
        again = review(turn.search_as, retried, evidence, turn.language) or Review("keep") if retried else None
        if (retried and again is not None and again.action in ("keep", "attach")
                and not self._flaw(turn, retried, confirmed=again.confirmed)):
            return self._with_evidence(turn, retried, "retried", again)
        for withheld in (found, again):  # what the modules found, in place of what no entry holds
            if withheld is not None and withheld.text and withheld.action in ("withhold", "replace", "keep"):
                return self._cited(turn, withheld.text, "extractive", withheld.sightings, check=False)
        return self._extractive(turn, "")

    def _with_evidence(self, turn: _Turn, text: str, path: str, found: Review) -> Answer:
        if found.action == "attach":  # (the model's part in the question's language, as the evidence is)
            said = self._back(turn, text).rstrip()
            said += "" if _ENDS_A_SENTENCE.search(said) else "."  # "1" → "1. The speech module …"
            return self._cited(turn, f"{said} {found.text}", "checked", found.sightings, check=False)
        return self._cited(turn, text, path, found.sightings)

    def _flaw(self, turn: _Turn, text: str, *, whole: bool = True, translated_back: bool = False,
              confirmed: str = "") -> str | None:
        """Why ``text`` must not be shown as it is (None: it may); see `Inspector.flaw`. The model's English
        answer to a question it was asked in English is looked at as an answer to that question (the checks
        that read English words apply); an answer in the user's language, against the question as asked."""
        history = self.history if turn.earlier_turns is None else self.history[:turn.earlier_turns]
        recent = history[-2 * self.history_turns:] if self.history_turns else []
        earlier = [(str(q.content), str(a.content)) for q, a in zip(recent[::2], recent[1::2])]
        as_asked = turn.question if turn.language != "en" else ""
        if turn.in_english and not translated_back and question_language(text) == "en":
            asked = Asked(turn.search_as, turn.search_as, "en", earlier, confirmed, as_asked)
        else:
            asked = Asked(turn.question, turn.search_as, turn.language, earlier, confirmed, as_asked)
        why = self._inspector.flaw(text, asked, whole=whole)
        if why:
            log.info("answer %r not shown as it is: %s", text, why)
        return why

    def _retry(self, turn: _Turn) -> str:
        """The model asked again with only the best entries (empty when there are none), and in
        English: the embedded model gave French and Spanish questions back as their answer, twice,
        where it answers their English translation (`_in_language` translates the answer back)."""
        best = self._best_entries(turn, STRICT_ENTRIES)
        if not best:
            return ""
        lines = "\n".join(defang(e.line(with_boxes=False)) for e in best)
        inputs = {"entries": lines, "question": turn.search_as}
        return scaffolding.strip("".join(self._generate(self._strict, inputs)), self._templates.system)

    def _recover(self, turn: _Turn, kept: str) -> Answer:
        """The model's answer cannot be shown: ask again with only the best entries; else quote the best one."""
        turn.on_stage("retrying")
        retried = self._retry(turn)
        # A retry that only says the description does not tell gives less than the closest moment quoted
        # ("Où dois-je attacher mon vélo ?" → "…ne dit pas.", beside "please lock your bicycle near the bakery").
        if retried and not self._flaw(turn, retried) and not cite.says_not_told(retried):
            # a retry that only says again what was shown adds nothing: "What day is the haircut?" had come back
            # as "Thursday. Thursday" (the second sentence of "Thursday. At 0:00:17.3 S1 says: …" misdated the
            # line it quoted; asked as a new user, session 16)
            repeated = kept and cite.content_words(retried) <= cite.content_words(kept)
            return self._cited(turn, kept if repeated else f"{kept} {retried}".strip(), "retried")
        return self._extractive(turn, kept)

    def _extractive(self, turn: _Turn, kept: str) -> Answer:
        """The closest entry quoted with its time, saying the description does not say exactly."""
        # A stretch's summary restates its entries ("…called Oliver," (and 6 more lines)): quote an entry.
        found = self._best_entries(turn, QUOTE_CANDIDATES)
        if not asks_about_the_look(turn.search_as):  # the note that a picture looks drawn is no answer to "Who…?"
            found = [e for e in found if not isinstance(e.data, DrawnPictureData)]
        best = [e for e in found if e.module != SUMMARY_MODULE][:1] or found[:1]
        if not best:
            text = kept or phrase("not_told", turn.language)
            return Answer(text=text, citations=[], path="extractive")
        entry = best[0]
        if self._context.prepared.roles.get(entry.module) == "heard":
            quote = entry.transcript or entry.text.strip('"')
            text = phrase("says", turn.language, time=clock(entry.start), who=entry.speaker or "", text=quote)
        else:
            text = phrase("shows", turn.language, time=clock(entry.start), text=entry.text)
        kept = self._back(turn, kept) if kept else kept
        if not cite.says_not_told(kept):  # (a sentence given before the flaw may have said so already)
            # An entry sharing no word with the question was found by meaning alone: it is not an answer
            # ("What does the speaker say about the weather?" → the nearest line of a tour that never does).
            shares = stems(turn.search_as) & stems(entry.text)
            text = f"{phrase('not_exactly' if shares else 'nearest', turn.language)} {text}"
        return Answer(text=f"{kept} {text}".strip(), citations=[cite.citation(entry)], path="extractive")

    def _best_entries(self, turn: _Turn, k: int) -> list[Event]:
        entries = self._context.prepared.entries
        nearest = self._context.nearest(turn.search_as, k)
        asked = stems(turn.search_as)  # "bike" finds "bicycle", "works" finds "work"
        # as many words of the question: a line holding the time, day or year asked for first (fresh8)
        overlap = sorted(((len(asked & stems(e.text)), holds_the_value_asked(turn.search_as, e.transcript or e.text),
                           -i) for i, e in enumerate(entries)), reverse=True)  # (a label's "S1" is no number)
        lexical = [-i for n, _, i in overlap if n > 0]
        order = list(dict.fromkeys([*lexical[:k], *nearest]))
        return [entries[i] for i in order[:k]]

    def _cited(self, turn: _Turn, text: str, path: str, sightings: Sequence[Sighting] = (), *,
               check: bool = True) -> Answer:
        """``text`` with the entries it rests on. ``check``: sightings count only if the answer
        agrees with them (a "no" does not rest on where the thing was seen)."""
        entries = self._context.prepared.entries
        found = list(sightings) or (sightings_for(turn.search_as, self._context.prepared.evidence)
                                    if self._check_answers else [])
        evidence = [i for s in found for i, e in enumerate(entries)  # overlapping, not just touching
                    if e.module in s.modules and (e.start < s.end and e.end > s.start or e.start == s.start)]
        chosen = cite.choose(entries, f"{turn.question} {turn.search_as}", text, evidence=evidence,
                             same_language=turn.language == "en")
        return Answer(text=text, citations=[cite.citation(entries[i]) for i in chosen], path=path)  # type: ignore[arg-type]

    def _translate(self, question: str, language: str) -> str:
        """The question in English, by the chat model (for searching the timeline)."""
        prompt = TRANSLATE_PROMPT.format(question=question, language=LANGUAGE_NAMES.get(language, "foreign"))
        try:
            return translated(self.model, prompt) or question
        except Exception as exc:  # searching with the original question still works, only worse
            log.warning("could not translate the question for searching (%s)", self._redact(str(exc)))
            return question

    def _generate(self, prompt, inputs: dict[str, Any]) -> Iterator[str]:
        """The model's answer to ``prompt`` filled with ``inputs``, as it is generated.

        The model's own stream, not a ``prompt | model | parser`` chain's: closing a chain's stream
        (an answer found flawed at its first sentence) let llama.cpp generate on to its token limit
        before the retry could start — 12 s measured, and a Chinese question took 30-60 s."""
        try:
            messages = prompt.invoke(inputs)
            for chunk in self.model.stream(messages):
                yield chunk.text if hasattr(chunk, "text") else str(chunk)
        except ChatModelError:
            raise
        except Exception as exc:  # provider SDKs raise their own error types; all mean "no answer"
            message = self._redact(f"{type(exc).__name__}: {exc}")
            raise ChatModelError(f"the chat model failed to answer: {message}") from None


QUOTE_CANDIDATES = 5
"""Entries looked at for the one to quote when an answer cannot be shown (the first that is not a summary)."""
_LETTERS_OR_DIGITS = re.compile(r"[^\W_]")
_ENDS_A_SENTENCE = re.compile(r"[.!?。！？…][\"'”’»)\]]*$")


def check_question(question: str, count_tokens: TokenCounter = estimate_tokens,
                   max_tokens: int | None = None) -> str:
    """The question, stripped, if it can be asked.

    Raises:
        QuestionError: it is empty, has no letters or digits, or is longer than ``max_tokens``.
    """
    question = question.strip()
    if not question:
        raise QuestionError("the question is empty: ask something about the video")
    if not _LETTERS_OR_DIGITS.search(question):
        raise QuestionError(f"the question {question[:20]!r} has no words, only punctuation: ask something about the video")
    if max_tokens is not None:
        tokens = count_tokens(question)
        if tokens > max_tokens:
            raise QuestionError(f"the question is {tokens} tokens; the prompt has room for {max_tokens} "
                                "(chat.context_tokens minus prompt.max_description_tokens and chat.max_tokens): "
                                "shorten it")
    return question


def _sentences(text: str) -> list[str]:
    """Complete sentences, then the unfinished rest (last). ``0:00:06.5`` does not end one, nor does
    an end inside a quotation: 'S2: "Really?' was given alone, and the rest, another voice's line
    under S2's label, could no longer take it back."""
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if not _quote_open(text[start:end.start()]):
            parts.append(text[start:end.start()])
            start = end.end()
    return [*parts, text[start:]]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def _quote_open(text: str) -> bool:
    """Whether a quotation in ``text`` is still open ("…", “…”, «…», and German „…“)."""
    curly = text.count("„") > text.count("“") if "„" in text else text.count("“") > text.count("”")
    return text.count('"') % 2 == 1 or curly or text.count("«") > text.count("»")
