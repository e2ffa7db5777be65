"""Prompt templates of videochat-text.

Each ``.txt`` file is a LangChain f-string template; ``{variables}`` are filled in
by `videochat_text.prompt`. Override any of them with ``prompt.templates_dir``.
"""
