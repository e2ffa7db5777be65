"""Answering a question across a library: the best moments of all videos in the budgeted prompt.

The prompt is the single-video one (the packaged templates, fenced and defanged text,
``prompt.max_description_tokens``); its events are the retrieved moments, best first,
each line naming its video. The answer cites the moments it rests on
(`cite_retrieved_moments`).
"""

from __future__ import annotations

import os
import re
from typing import Any, Sequence

from langchain_core.prompts import PromptTemplate

from ..answering import Answer, Citation
from ..chat import ChatSession, redact, token_counter
from ..config import Settings
from ..prompt import TokenCounter, Templates, defang, load_templates
from .search import Moment

MAX_CITATIONS = 3

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NOT_SAID = re.compile(r"\b(?:does not|doesn.t|do not|don.t)\s+(?:say|tell|mention|contain|include)\b", re.I)
_COMMON = frozenset(
    "the and for are was were with that this from what which where when who how why there their they them "
    "video videos description said says say about into onto than then also just only has have had not but "
    "its it's is you your yes".split())
"""Words too common to show which moment an answer took something from."""


def video_names(moments: Sequence[Moment]) -> dict[str, str]:
    """How each video is named in the prompt: its file name, or its whole path when two share a name."""
    paths = list(dict.fromkeys(m.video for m in moments))
    base = {p: os.path.basename(p) for p in paths}
    taken = [b for b in base.values()]
    return {p: (b if taken.count(b) == 1 else p) for p, b in base.items()}


def moment_citation(moment: Moment) -> Citation:
    return Citation(start=moment.start, end=moment.end, module=moment.module, text=moment.text,
                    event_ids=moment.event_ids, video=moment.video)


def render_moments(moments: Sequence[Moment], templates: Templates, *, videos: int, max_tokens: int,
                   count_tokens: TokenCounter) -> tuple[str, list[Moment]]:
    """The description block for the prompt and the moments in it: as many as fit ``max_tokens``, best first."""
    names = video_names(moments)
    template = PromptTemplate.from_template(templates.description)

    def fill(lines: list[str], shown: list[Moment]) -> str:
        found_in = len({m.video for m in shown})
        values = {
            "header": f"A library of {videos} videos, searched for the question. Each line names its video.",
            "summary": f"the moments that best match the question, from {found_in} of the videos, best first.",
            "trim_note": "",
            "events": "\n".join(lines) or "(nothing in the library matches)",
        }
        text = template.format(**{k: v for k, v in values.items() if k in template.input_variables})
        return "\n".join(line for line in text.splitlines() if line.strip())

    lines: list[str] = []
    shown: list[Moment] = []
    for moment in moments:
        citation = moment_citation(moment).model_copy(update={"video": names[moment.video]})
        line = defang(citation.line())
        if count_tokens(fill([*lines, line], [*shown, moment])) > max_tokens:
            continue  # a shorter moment further down may still fit
        lines.append(line)
        shown.append(moment)
    return fill(lines, shown), shown


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if (len(w) >= 3 or w.isdigit()) and w not in _COMMON}


def cite_retrieved_moments(answer: str, moments: Sequence[Moment], limit: int = MAX_CITATIONS) -> list[Citation]:
    """The moments an answer rests on: those sharing the most words, numbers or names with it (its
    video's name counts too), best-ranked first among equals; the top-ranked one when none shares
    anything; none when the answer says the videos do not tell.

    A stand-in for the single-video citation logic of `videochat_text.answering`, to be swapped
    for it once that handles moments from many videos.
    """
    if not moments or _NOT_SAID.search(answer):
        return []
    said = _terms(answer)
    lowered = answer.lower()
    scored = []
    for rank, moment in enumerate(moments):
        name = os.path.basename(moment.video).lower()
        named = name in lowered or os.path.splitext(name)[0] in said
        score = len(said & _terms(moment.text)) + (1 if named else 0)
        if score:
            scored.append((-score, rank, moment))
    chosen = [m for _, _, m in sorted(scored, key=lambda t: (t[0], t[1]))[:limit]] or [moments[0]]
    return [moment_citation(m) for m in chosen]


def answer_from_moments(model: Any, settings: Settings, question: str, moments: Sequence[Moment], *,
                        videos: int) -> Answer:
    """Ask ``model`` with ``moments`` as the description; the answer cites the moments it used."""
    templates = load_templates(settings.prompt.templates_dir)
    context, shown = render_moments(moments, templates, videos=videos,
                                    max_tokens=settings.prompt.max_description_tokens,
                                    count_tokens=token_counter(model))
    session = ChatSession(model, templates, context, history_turns=0,
                          redact=lambda text: redact(text, settings.chat))
    text = session.ask(question)
    return Answer(text=text, citations=cite_retrieved_moments(text, shown))
