"""Answering a question across a library: the best moments of all videos in the budgeted prompt.

The prompt is the single-video one (the packaged templates, fenced and defanged text,
``prompt.max_description_tokens``); its events are the retrieved moments, best first,
each line naming its video. The answer cites the moments it rests on, chosen by the same
rule a single video's answers are cited by (`videochat_text.answering.citations`), plus the
video a moment's file name the answer names.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from ..answering import Answer, Citation, citations, scaffolding
from ..chat_models import token_counter
from ..config import Settings
from ..errors import ChatModelError
from ..prompt import TokenCounter, Templates, chat_prompt, defang, load_templates
from ..timeline import Event
from .search import Moment

MAX_CITATIONS = 3


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
    from langchain_core.prompts import PromptTemplate

    template = PromptTemplate.from_template(templates.description)

    def fill(lines: list[str], shown: list[Moment]) -> str:
        found_in = len({m.video for m in shown})
        values = {
            "header": f"A library of {videos} videos, searched for the question. Each line names its video.",
            "summary": f"the moments that best match the question, from {found_in} of the videos, best first.",
            "trim_note": "",
            "dialogue": "",
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


def cite_retrieved_moments(question: str, answer: str, moments: Sequence[Moment],
                           limit: int = MAX_CITATIONS) -> list[Citation]:
    """The moments an answer rests on (`answering.citations.choose`: the words, numbers and names
    it took from them), a moment whose video the answer names by file name counting as used; the
    top-ranked one when none is; none when the answer says the videos do not tell."""
    if not moments or citations.says_not_told(answer):
        return []
    lowered = answer.lower()
    named = [i for i, m in enumerate(moments) if os.path.basename(m.video).lower() in lowered
             or os.path.splitext(os.path.basename(m.video))[0].lower() in lowered.split()]
    entries = [Event(start=m.start, end=m.end, module=m.module, text=m.text) for m in moments]
    chosen = citations.choose(entries, question, answer, evidence=named, limit=limit) or [0]
    return [moment_citation(moments[i]) for i in chosen]


def answer_from_moments(model: Any, settings: Settings, question: str, moments: Sequence[Moment], *,
                        videos: int) -> Answer:
    """Ask ``model`` with ``moments`` as the description; the answer cites the moments it used."""
    templates = load_templates(settings.prompt.templates_dir)
    context, shown = render_moments(moments, templates, videos=videos,
                                    max_tokens=settings.prompt.max_description_tokens,
                                    count_tokens=token_counter(model))
    from langchain_core.output_parsers import StrOutputParser

    chain = chat_prompt(templates) | model | StrOutputParser()
    try:
        text = "".join(chain.stream({"description": context, "history": [], "question": question}))
    except Exception as exc:  # provider SDKs raise their own error types; all mean "no answer"
        message = settings.chat.redact(f"{type(exc).__name__}: {exc}")
        raise ChatModelError(f"the chat model failed to answer: {message}") from None
    text = scaffolding.strip(text, templates.system)
    return Answer(text=text, citations=cite_retrieved_moments(question, text, shown))
