"""An example videochat-text plugin: reports stretches where the picture is dark or bright.

Install it (``pip install examples/plugin-brightness``) and ``videochat-text modules``
lists ``brightness``; run it with ``--modules brightness``.
"""

from __future__ import annotations

from videochat_text import Event, ModuleSettings, PerceptionModule


class BrightnessSettings(ModuleSettings):
    dark_below: float = 0.25
    """Mean brightness (0–1) under which a frame counts as dark."""
    bright_above: float = 0.75


class BrightnessModule(PerceptionModule):
    name = "brightness"
    consumes = frozenset({"frames"})
    Settings = BrightnessSettings

    def run(self, media):
        events = []
        for frame in media.frames:
            level = float(frame.image.mean()) / 255
            label = ("dark" if level < self.settings.dark_below
                     else "bright" if level > self.settings.bright_above else None)
            if label:
                end = min(frame.time + media.sample_every_s, media.info.duration)
                events.append(Event(start=frame.time, end=end, module=self.name,
                                    text=f"the picture is {label}", data={"brightness": round(level, 3)}))
        return events
