"""The uploads' share of the disk: ``serve.max_storage_gb`` over the upload folder.

Kept files are counted from the folder when an upload starts; uploads still arriving are
counted as their bytes come, so two at once cannot both squeeze under the limit. Past it
(or when the disk itself is full) the upload stops with `StorageFull` (507) and the
store's temp file is removed like any upload not finished.
"""

from __future__ import annotations

import errno
import itertools
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import VideoChatError

_GB = 2**30


class StorageFull(VideoChatError):
    """An upload would pass ``serve.max_storage_gb``, or the disk is full."""


class StorageQuota:
    """``max_gb`` (None: no limit but the disk's) over the files kept in ``directory``."""

    def __init__(self, directory: Path, max_gb: float | None):
        self.directory = directory
        self.max_bytes = None if max_gb is None else int(max_gb * _GB)
        self._arriving: dict[int, int] = {}  # bytes so far of each upload in progress
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    def kept_bytes(self) -> int:
        """Bytes of the files kept (not uploads in progress: their temp files start with a dot)."""
        return sum(p.stat().st_size for p in self.directory.iterdir() if not p.name.startswith(".") and p.is_file())

    def check(self, declared: int) -> None:
        """Refuse at once an upload whose declared size cannot fit."""
        if self.max_bytes is not None and self._used(self.kept_bytes()) + declared > self.max_bytes:
            raise self._full()

    @contextmanager
    def counting(self, write: Callable[[bytes], None]) -> Iterator[Callable[[bytes], None]]:
        """``write`` counted against the quota; raises `StorageFull` before writing past it."""
        kept = self.kept_bytes() if self.max_bytes is not None else 0
        with self._lock:
            key = next(self._numbers)
            self._arriving[key] = 0

        def counted(data: bytes) -> None:
            with self._lock:
                self._arriving[key] += len(data)
                over = self.max_bytes is not None and self._used(kept) > self.max_bytes
            if over:
                raise self._full()
            try:
                write(data)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise StorageFull("the upload: the server's disk is full; delete videos or free space "
                                      f"where serve.data_dir is ({self.directory})") from None
                raise

        try:
            yield counted
        finally:
            with self._lock:
                del self._arriving[key]

    def _used(self, kept: int) -> int:
        return kept + sum(self._arriving.values())

    def _full(self) -> StorageFull:
        assert self.max_bytes is not None
        used = self._used(self.kept_bytes()) / _GB
        return StorageFull(f"the upload: no room left under serve.max_storage_gb ({self.max_bytes / _GB:g} GB; "
                           f"{used:.3g} GB kept or arriving); delete videos or raise serve.max_storage_gb")
