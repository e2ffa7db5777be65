"""A live stream kept in the library as it is described: one video that grows a stretch at a time.

Each described stretch is written in one transaction: its events (the stream's growing
description) and its timeline entries with their embeddings, so ``library search``,
``library ask`` and a server on the same file see a moment seconds after it happened.
Nothing of the stream stays in the watcher's memory once written. The latest sampled
frame is kept as a JPEG beside the library file (`latest_frame_path`) for the page's live
picture.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..timeline import Description, Frame, VideoInfo, timeline_entries
from .describe import DescribedStretch

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)


def latest_frame_path(library_file: str | Path, vid: str) -> Path:
    """Where the watcher keeps a stream's latest frame (beside the library file)."""
    return Path(library_file).expanduser().parent / "live" / f"{vid}.jpg"


class LiveRecording:
    """Writes one watched stream into a library."""

    def __init__(self, library: "Library", *, name: str | None = None, embeddings: Any = None):
        """
        Args:
            embeddings: the LangChain embeddings to index entries with (default: ``retrieval``'s, loaded here).
        """
        self.library = library
        self.name = name
        self.vid: str | None = None
        self._embeddings: Any = embeddings
        self._embeddings_failed = False
        self._failures: dict[str, str] = {}
        self._frame_path: Path | None = None
        self._last_frame_write = 0.0

    def start(self, head: Description) -> str:
        """Add the stream (status ``live``) from its description before anything is described; returns its id."""
        info = head.video
        assert info.started_at is not None, "a live stream's VideoInfo has started_at"
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.started_at))
        path = f"{info.path}#{started}"  # one video per watch: the same camera watched again is another
        sha256 = hashlib.sha256(f"live:{path}:{info.started_at!r}".encode()).hexdigest()
        self.vid = self.library.store.start_live(
            path, sha256=sha256, name=self.name or f"{info.name} {started}", info=info.model_dump(mode="json"),
            modules={k: m.model_dump(mode="json") for k, m in head.modules.items()},
            description_json=head.to_json(indent=None), settings_key="live")
        self._frame_path = latest_frame_path(self.library.path, self.vid)
        return self.vid

    def append(self, done: DescribedStretch) -> bool:
        """Write one described stretch; False if the video was removed from the library meanwhile."""
        assert self.vid is not None, "start() first"
        for failure in done.failures:
            self._failures[failure.module] = failure.error
        part = Description(video=done.info, events=done.events)
        entries = timeline_entries(part)
        vectors, model = self._embed(entries)
        return self.library.store.append_stretch(
            self.vid, done.stretch.index, start=min([done.stretch.start, *(e.start for e in done.events)]),
            end=done.stretch.end, events=done.events, entries=entries, vectors=vectors, embedding_model=model,
            info=done.info.model_dump(mode="json"),
            failures=[{"module": m, "error": e} for m, e in sorted(self._failures.items())])

    def finish(self) -> None:
        """The watch stopped: the video is finished (what was described stays)."""
        if self.vid is not None:
            self.library.store.end_live(self.vid)

    def keep_frame(self, frame: Frame, every_s: float = 1.0) -> None:
        """Keep ``frame`` as the stream's latest picture (at most once per ``every_s``)."""
        if self._frame_path is None or time.monotonic() - self._last_frame_write < every_s:
            return
        self._last_frame_write = time.monotonic()
        try:
            import cv2

            ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(frame.image[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 80])
            if not ok:
                return
            self._frame_path.parent.mkdir(parents=True, exist_ok=True)
            partial = self._frame_path.with_suffix(".jpg.part")
            partial.write_bytes(jpeg.tobytes())
            os.replace(partial, self._frame_path)  # readers never see half a picture
        except (ImportError, OSError) as exc:
            log.info("latest frame not kept: %s", exc)

    def load(self) -> None:
        """Load the embedding model now (the first stretch written then takes as long as the rest)."""
        self._embed([])

    def _embed(self, entries: list) -> tuple[np.ndarray | None, str | None]:
        """The entries' embeddings, as a library worker makes them (None: search by words only)."""
        from ..retrieval import embeddings_id, entry_text, make_embeddings

        settings = self.library.settings.retrieval
        if self._embeddings is None and not self._embeddings_failed:
            try:
                self._embeddings = make_embeddings(settings)
            except Exception as exc:  # search still works on words alone
                self._embeddings_failed = True
                log.warning("no embeddings for the stream's moments (%s); search will use words only", exc)
        if self._embeddings is None or not entries:
            return None, None
        texts = [entry_text(e) for e in entries]
        vectors = np.asarray(self._embeddings.embed_documents(texts), dtype=np.float32).reshape(len(texts), -1)
        return vectors, embeddings_id(settings)
