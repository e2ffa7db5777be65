"""Built-in perception modules of videochat-text (installed as ``videochat_text_perception``).

They register through the ``videochat_text.modules`` entry-point group, exactly as a
third-party plugin does; see `videochat_text.modules`.
"""
