"""Answering questions about a described video: the `Answer` and its citations, context
selection, the answer checks, verification and chat sessions."""

from .answer import Answer, Citation

__all__ = ["Answer", "Citation"]
