"""Whether an answer may be shown as it is: every flaw (`flaws`) and every fact no entry holds
(`facts`), looked at with what is worked out once per description (its corpus of facts, each
video's words, what each moment said)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from ..timeline import Description
from .attribution import a_job_another_name_has, something_of_another_time, what_another_voice_said_of_itself
from .citations import says_not_told
from .context import Prepared
from .facts import Corpus, attributes_in, unsupported
from .flaws import (Moment, a_count_no_line_gives, a_day_no_line_names, a_detail_no_line_states,
                    a_doer_the_line_speaks_to,
                    a_label_for_what_no_module_reports, a_number_from_an_unrelated_line, a_line_given_to_another_voice,
                    a_line_given_to_whom_it_addresses, a_line_quoted_at_another_time,
                    a_measure_asked_and_not_given, a_name_given_what_its_voice_said_of_another,
                    a_name_no_line_gives_it, a_name_question_answered_without_one,
                    a_person_for_a_thing, a_place_name_no_entry_holds, a_reason_no_line_gives,
                    a_time_of_day_question_answered_without_one,
                    a_value_said_of_something_else, a_video_moment_where_a_line_says_when,
                    a_video_time_for_a_time_of_day,
                    a_voice_given_what_it_said_of_another, a_voice_label_no_line_of_it_supports,
                    a_when_answered_without_a_time, a_where_answered_with_a_time, a_who_answered_with_no_one,
                    a_yes_a_line_puts_elsewhere, a_yes_a_line_says_not_there, a_yes_or_no_about_what_no_entry_mentions,
                    a_who_about_what_no_entry_mentions,
                    an_amount_of_what_no_entry_mentions, an_attribute_of_something_else,
                    an_hour_in_the_other_half_of_the_day,
                    another_line_says_it,
                    contradicts_itself, moment_words, names_a_voice_label, names_the_wrong_video, not_told_though_said,
                    repeats_an_earlier_answer, repeats_question, says_nothing_new, stems, the_look_note_as_an_answer,
                    the_one_done_to_as_the_doer, the_opposite_of_what_a_line_says, two_voices_said_to_be_one,
                    unrelated_sources, voices_named_in, words_by_video, words_no_entry_holds)
from .language import NAMES_CAPITALISED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asked:
    """The question an answer is looked at against."""

    question: str
    """As the user asked it."""
    search_as: str
    """In English (the question itself, or its translation)."""
    language: str
    earlier: list[tuple[str, str]] = field(default_factory=list)
    """The conversation's recent (question, answer) turns."""
    confirmed: str = ""
    """What an answer check found the modules to say as the answer does (`checks.Review.confirmed`):
    facts taken as given, like the question's own."""
    as_asked: str = ""
    """The question in the user's language when that is not English, also when the model is asked it in
    English (then ``question`` is the translation)."""

    @property
    def asked_before(self) -> str:
        return " ".join(q for q, _ in self.earlier)

    @property
    def everything_asked(self) -> str:
        """The question as asked, in English, and the questions before it: the words an answer may take from them."""
        return f"{self.question} {self.search_as} {self.asked_before}"


class Inspector:
    """Finds why an answer about one description must not be shown as it is.

    Example:
        >>> Inspector(description, prepared(description)).flaw("Where is the cat?", Asked(…))
        'it gives the question back'
    """

    NEAREST = 3
    """A moment among this many nearest the question in meaning (of the said and read ones, and at
    most half of them) is related to it, whatever its words."""

    def __init__(self, description: Description, prepared: Prepared,
                 nearest: Callable[[str, int], list[int]] = lambda query, k: []):
        """
        Args:
            nearest: the entries nearest in meaning to a text, best first (`ContextSelector.nearest`).
        """
        self._description = description
        self._prepared = prepared
        self._nearest = nearest
        self._corpus: Corpus | None = None
        self._video_words: dict[str, set[str]] | None = None
        """Each video's words, when the description holds moments of several (`flaws.words_by_video`)."""
        self._moments: list[Moment] = []
        """What was said or read, moment by moment (`flaws.moment_words`)."""
        self._moment_entries: list[int] = []
        """The entry each moment is."""
        self._labels: set[str] = set()
        """What the detectors reported."""
        self._described: set[str] = set()
        """Every entry's words (`flaws.stems`)."""
        self._attributed: list[tuple[set[str], set[str]]] = []
        """The attributes (`facts.attributes_in`) and words of each entry that states one."""

    def flaw(self, text: str, asked: Asked, *, whole: bool = True) -> str | None:
        """Why ``text`` must not be shown as it is (None: it may). ``whole``: the whole answer, not
        the sentences streamed so far (which may restate the question before they answer it)."""
        if repeats_question(text, asked.question) or repeats_question(text, asked.search_as):
            return "it gives the question back"
        if whole and (says_nothing_new(text, asked.question) or says_nothing_new(text, asked.search_as)):
            return "it only restates the question"
        if contradicts_itself(text):
            return "it says a thing is both absent and mentioned"
        if names_a_voice_label(text, asked.search_as):
            return "it gives a voice label (S1, S2…) as a name"
        if repeats_an_earlier_answer(text, asked.question, asked.earlier):
            return "it repeats an earlier answer"
        self._know_the_moments()
        if not_told_though_said(text, asked.search_as, self._moments):
            return "it says the description does not tell, while a moment holds every word of the question"
        if self._from_an_unrelated_moment(text, asked):
            return "it answers with a moment unrelated to the question"
        if another_line_says_it(text, asked.search_as, self._moments):
            return "it answers with lines holding no word of the question, while another line holds them all"
        reason = a_reason_no_line_gives(text, asked.search_as, self._moments) if asked.language == "en" else None
        if reason:
            return f"it gives a reason no line gives ({reason})"
        turned = the_opposite_of_what_a_line_says(text, asked.search_as, self._moments, self._moment_texts)
        if turned:
            return f"it says {turned!r} where the line it is taken from says the opposite"
        label = a_voice_label_no_line_of_it_supports(text, asked.search_as, self._moments)
        if label:
            return f"it gives {label} as who, and no line of {label} says it"
        borrowed = a_value_said_of_something_else(text, asked.search_as, self._moments, self._moment_texts)
        if borrowed:
            return f"it says of the {borrowed} what a line says of something else"
        number = a_number_from_an_unrelated_line(text, asked.search_as, self._moments, self._moment_texts)
        if number is not None:
            return f"it gives {number:g}, which only lines about something else say"
        hour = an_hour_in_the_other_half_of_the_day(text, self._moment_texts) if asked.language == "en" else None
        if hour is not None:
            return f"it puts {hour:g} o'clock in the other half of the day than every line giving it"
        day = a_day_no_line_names(text, asked.search_as, self._moment_texts) if asked.language == "en" else None
        if day:
            return f"it answers for {day}, a day no line names"
        if a_video_time_for_a_time_of_day(text, asked.search_as, asked.as_asked):
            return "it answers a time of day with a moment of the video"
        if a_video_moment_where_a_line_says_when(text, asked.search_as, self._moments):
            return "it answers with a moment of the video where a line says when"
        if asked.language == "en" and a_time_of_day_question_answered_without_one(text, asked.question) and (
                whole or not says_nothing_new(text, asked.question)):
            return "it is asked for a time of day and gives none"
        if asked.language == "en" and a_when_answered_without_a_time(text, asked.question) and (
                whole or not says_nothing_new(text, asked.question)):
            return "it is asked when and does not say"
        if asked.language == "en" and a_who_answered_with_no_one(text, asked.question):
            return "it is asked who and names no one"
        if asked.language in ("en", "fr", "es", "de") and a_where_answered_with_a_time(text, asked.question):
            return "it is asked where and gives only a number or a time"
        measure = a_measure_asked_and_not_given(text, asked.question) if asked.language == "en" else None
        if measure:
            return f"it is asked for {measure} and gives none"
        misdated = a_line_quoted_at_another_time(text, self._prepared.entries)
        if misdated:
            return f"it quotes {misdated!r} at a time it was not said"
        misattributed = a_line_given_to_another_voice(text, self._prepared.entries)
        if misattributed:
            return f"it quotes {misattributed!r} as said by a voice that did not say it"
        merged = two_voices_said_to_be_one(text, self._prepared.entries)
        if merged:
            return f"it says {merged!r}, names two voices gave themselves"
        if a_yes_or_no_about_what_no_entry_mentions(text, asked.search_as, self._described):
            return "it answers yes or no about something no entry mentions"
        if asked.language == "en" and a_who_about_what_no_entry_mentions(text, asked.search_as, self._described):
            return "it says who, about something no entry mentions"
        elsewhere = (a_yes_a_line_puts_elsewhere(text, asked.search_as, self._moment_texts)
                     or a_yes_a_line_says_not_there(text, asked.search_as, self._moment_texts))
        if elsewhere:
            return f"it says yes where a line says {elsewhere!r}"
        person = a_person_for_a_thing(text, asked.search_as, self._moment_texts)
        if person:
            return f"it gives {person}, someone in the video, for a thing"
        if the_look_note_as_an_answer(text, asked.search_as):
            return "it gives the note that the picture looks drawn or animated as an answer"
        done_to = the_one_done_to_as_the_doer(text, asked.search_as)
        if done_to:
            return f"it makes {done_to}, whom the question asks about, the one who does it"
        addressed = a_line_given_to_whom_it_addresses(text)
        if addressed:
            return f"it has {addressed} say a line said to {addressed}"
        spoken_to = a_doer_the_line_speaks_to(text, asked.search_as, self._moments, self._moment_texts)
        if spoken_to:
            return f"it has {spoken_to} do what the line holding it says to {spoken_to}"
        doer = (a_voice_given_what_it_said_of_another(text, self._prepared.entries, asked.search_as)
                or a_name_given_what_its_voice_said_of_another(text, asked.search_as, self._prepared.entries))
        if doer:
            return f"it has {doer} do what {doer} said someone else does"
        job = a_job_another_name_has(text, asked.search_as, self._prepared.entries)
        if job:
            return f"it gives the one asked about the job {job!r}, which the lines give someone else"
        then = something_of_another_time(text, asked.search_as, self._prepared.entries)
        if then:
            return f"it gives {then!r}, which the lines tie to another time than the one asked about"
        someone_else = what_another_voice_said_of_itself(text, asked.search_as, self._prepared.entries)
        if someone_else:
            return f"it gives {someone_else} what another voice says of itself"
        unfounded = words_no_entry_holds(text, asked.everything_asked, self._described) if asked.language == "en" else []
        if unfounded:
            return f"most of what it adds ({', '.join(unfounded)}) is in no entry"
        if a_label_for_what_no_module_reports(text, asked.search_as, self._labels, self._described, self._moments):
            return "it gives a detector's label for something no module reports"
        count = a_count_no_line_gives(text, asked.search_as, self._moments, self._moment_texts, self._labels)
        if count:
            return f"it gives {count!r}, a count no line speaking of them gives"
        amount_of = an_amount_of_what_no_entry_mentions(text, asked.search_as, self._described)
        if amount_of:
            return f"it gives an amount of {amount_of}, which no entry mentions"
        misnamed = a_name_no_line_gives_it(text, asked.search_as, self._prepared.entries)
        if misnamed:
            return f"it gives the name {misnamed!r}, which no line gives to what the question asks about"
        # (on streamed sentences too: a name given after a first sentence without one costs a retry; a
        # first sentence shown without one cannot be taken back)
        # English only, and the question as asked: a compound question's part ("…, and how much is the
        # coffee?") is searched as the whole, whose "What is the cat called" part is not this one
        if (asked.language == "en" and a_name_question_answered_without_one(text, asked.question)
                and (whole or not says_nothing_new(text, asked.question))):  # (a restated question is held)
            return "it is asked for a name and gives none"
        place = a_place_name_no_entry_holds(text, asked.search_as, self._prepared.entries)
        if place:
            return f"it names the place {place!r}, which no entry holds"
        detail = a_detail_no_line_states(text, asked.search_as, self._prepared.entries)
        if detail:
            return f"it gives a {detail}, which no entry states"
        attribute = an_attribute_of_something_else(text, asked.search_as, self._attributed)
        if attribute:
            return f"it says {attribute!r} of something no entry says it of"
        wrong = names_the_wrong_video(text, asked.question, self._video_words or {})
        if wrong:
            return f"it names the video {wrong!r}, whose moments do not say that"
        missing = self.unsupported(text, asked)
        if missing:
            return "it states " + ", ".join(missing) + ", found in no entry"
        return None

    def unsupported(self, text: str, asked: Asked) -> list[str]:
        """The numbers, times, names and attributes ``text`` states that no entry (nor the question) holds."""
        if says_not_told(text):
            return []
        if self._corpus is None:
            d = self._description
            self._corpus = Corpus.of(self._prepared.entries, about=[d.header(), d.summary.text if d.summary else ""])
        question_facts = Corpus.of([], [asked.question, asked.search_as, asked.asked_before, asked.confirmed])
        names = asked.language in NAMES_CAPITALISED
        missing = [f for f in unsupported(text, self._corpus, names=names, openers_are_names=asked.language == "en")
                   if f.kind in ("attribute", "kind", "age") or not question_facts.supports(f)]
        if missing:
            log.info("answer %r states %s, found in no entry", text, ", ".join(f.text for f in missing))
        return [f"{f.kind} {f.text!r}" for f in missing]

    def _from_an_unrelated_moment(self, text: str, asked: Asked) -> bool:
        sources = unrelated_sources(text, asked.everything_asked, self._moments)
        if not sources:
            return False
        # what the one asked about says is about them: "Where will Dana work?" → "…at the city hospital." from
        # the line of the voice that said "Hello, I'm Dana." (fresh23, asked before it was read)
        speaking = voices_named_in(asked.search_as, self._prepared.entries)
        if any(self._moments[i].speaker in speaking for i in sources):
            return False
        # On a short clip every moment is among the few nearest, so "near" says nothing there: at most
        # half of the moments count, and every moment the answer draws on must be one ("What does the
        # speaker say about the weather?" → all three lines of a garden tour that never mentions it).
        said = set(self._moment_entries)
        ranked = [i for i in self._nearest(asked.search_as, len(self._prepared.entries)) if i in said]
        near = set(ranked[:min(self.NEAREST, max(1, len(said) // 2))])
        return not all(self._moment_entries[i] in near for i in sources)

    def _know_the_moments(self) -> None:
        """Each video's words and each moment's, once: `flaw` runs for every streamed sentence."""
        if self._video_words is not None:
            return
        entries, roles = self._prepared.entries, self._prepared.roles
        self._video_words = words_by_video([e.text for e in entries])
        # what was said or read: a detector's labels are not words of the question
        self._labels = set(self._prepared.evidence.labels)
        self._described = {w for e in entries for w in stems(e.text)}
        self._attributed = [(set(found), stems(e.text)) for e in entries for found in [attributes_in(e.text)] if found]
        self._moment_entries = [i for i, e in enumerate(entries) if roles.get(e.module) in ("heard", "read")]
        self._moments = moment_words([entries[i] for i in self._moment_entries])
        self._moment_texts = [entries[i].transcript or entries[i].text for i in self._moment_entries]
