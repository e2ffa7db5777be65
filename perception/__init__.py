"""Built-in perception modules of videochat-text.

They register through the ``videochat_text.modules`` entry-point group, exactly as a
third-party plugin does; see `videochat_text.modules`.
"""
