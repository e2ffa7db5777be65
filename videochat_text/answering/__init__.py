"""Answering questions about a described video: the `Answer` and its citations, context
selection, the answer checks, verification and chat sessions.

- `answer`: `Answer`, `Citation` (what a question gets back).
- `answerer`: `Answerer`, the chat model, tokenizer and embedding model, shared by sessions.
- `session`: `ChatSession`, one conversation; each answer checked, verified and cited.
- `context`: what of a description the prompt shows for a question (retrieval for long videos).
- `checks`: "is there a X?", "when is X seen?", "what is said at T?" against the timeline.
- `when`: "when was X said/shown?" answered with the matching entries' times.
- `facts`: numbers, times and names in an answer, and whether the timeline holds them.
- `citations`: which entries an answer rests on.
- `scaffolding`: prompt pieces that must never reach an answer.
- `language`: the question's language, and answers made from the timeline in it.
"""

from .answer import Answer, Citation
from .answerer import Answerer
from .session import AnswerStream, ChatSession

__all__ = ["Answer", "AnswerStream", "Answerer", "Citation", "ChatSession"]
