"""``scenes``: shot boundaries, with PySceneDetect's content detector.

Shot cuts need every frame, not the 1-per-second samples, so this module lets
PySceneDetect read the file itself (downscaled, PyAV backend). Each shot becomes
one event, ``shot 2 of 5``, so the description shows where the picture changes.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from videochat_text.errors import ModuleLoadError
from videochat_text.modules import ModuleSettings, PerceptionModule
from videochat_text.payloads import ShotData
from videochat_text.timeline import Event, Media


class ScenesSettings(ModuleSettings):
    threshold: float = Field(27.0, gt=0)
    """Content-change score that counts as a cut (PySceneDetect's ContentDetector)."""
    min_shot_s: float = Field(0.6, ge=0)
    """Shorter shots are merged into their neighbour (flashes, glitches)."""
    backend: Literal["pyav", "opencv"] = "pyav"
    """Which decoder PySceneDetect uses."""


class ScenesModule(PerceptionModule):
    """Split the video into shots."""

    name = "scenes"
    consumes = frozenset({"file"})  # PySceneDetect reads every frame itself: cuts need them all
    whole_video = True  # "shot 3 of 7" needs all shots
    payloads = (ShotData,)
    Settings = ScenesSettings
    settings: ScenesSettings

    def backend(self) -> str:
        return f"pyscenedetect content detector ({self.settings.backend})"

    def check_weights(self) -> None:
        self.load()  # only an import: the detector has no weights

    def load(self) -> None:
        try:
            import scenedetect  # noqa: F401
        except ImportError as exc:
            raise ModuleLoadError("scenes: PySceneDetect is not installed; pip install 'videochat-text[scenes]'") from exc

    def run(self, media: Media) -> list[Event]:
        self.ensure_loaded()
        from scenedetect import ContentDetector, detect

        # PySceneDetect logs progress at INFO on its own handler; ours is the progress bar.
        logging.getLogger("pyscenedetect").setLevel(logging.WARNING)
        info = media.info
        min_frames = max(1, round(self.settings.min_shot_s * (info.fps or 25)))
        shots: list[tuple[Any, Any]] = detect(
            info.path, ContentDetector(threshold=self.settings.threshold, min_scene_len=min_frames),
            backend=self.settings.backend, start_in_scene=True,
        )
        bounds = [(float(s.seconds), float(e.seconds)) for s, e in shots] or [(0.0, info.duration)]
        return shot_events(bounds, info.duration)


def shot_events(bounds: list[tuple[float, float]], duration: float) -> list[Event]:
    """``(start, end)`` seconds per shot → ``shot N of M`` events inside the video."""
    total = len(bounds)
    return [
        Event(start=round(min(start, duration), 3), end=round(min(max(end, start), duration), 3), module="scenes",
              text=f"shot {n} of {total}", data=ShotData(shot=n, shots=total))
        for n, (start, end) in enumerate(bounds, 1)
    ]
