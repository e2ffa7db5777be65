"""The one way the project reads a pickle: arrays and plain containers, never code.

A pickle names functions and classes (``GLOBAL``) and calls them (``REDUCE``); a
weights file that names ``os.system`` runs it. `load` allows only what builds data:

- plain values and containers, which pickle's opcodes build without naming anything
  (``dict``, ``list``, ``tuple``, ``set``, ``str``, ``bytes``, numbers, ``None``);
- ``collections.OrderedDict``, and ``_codecs.encode`` to latin-1 (how protocol 2 writes bytes);
- NumPy arrays (``numpy.ndarray`` rebuilt by ``_reconstruct``, with their ``numpy.dtype``),
  under NumPy 1's and 2's module names; an array of Python objects is refused, as it
  could only hold what the rest of the pickle built anyway, but is no array of numbers;
- whatever one format adds, given by its reader as ``extra`` (e.g. the legacy torch
  format's tensor rebuild, mapped to a function of the reader's own).

Anything else, in any slot of any pickle (a header, the state dict, a key list, a
dtype, an array's class), raises ``pickle.UnpicklingError`` naming it.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from typing import IO, Any, Callable, Mapping

import numpy as np

Globals = Mapping[tuple[str, str], Any]


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """``numpy.core.multiarray._reconstruct`` for plain arrays only (a subclass could be anything)."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"an array of class {subtype!r} in a weights file; only numpy.ndarray is read")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _dtype(*args: Any) -> np.dtype:
    return np.dtype(*args)


def _latin1(text: Any, encoding: Any = "latin1") -> bytes:
    """``_codecs.encode`` as protocol 2 uses it to write bytes (an array's data): latin-1 only."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("unexpected use of _codecs.encode in a weights file")
    return text.encode("latin1")


ARRAYS: Globals = {
    (module, name): value
    for prefix in ("numpy.core", "numpy._core")  # NumPy 1 and NumPy 2 write different module names
    for module, name, value in [(f"{prefix}.multiarray", "_reconstruct", _reconstruct)]
} | {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): _dtype, ("collections", "OrderedDict"): OrderedDict,
     ("_codecs", "encode"): _latin1}
"""The names every weights pickle may use, and what each builds."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the names in ``ARRAYS`` and ``extra``."""

    def __init__(self, file: IO[bytes], *, extra: Globals | None = None,
                 persistent_load: Callable[[Any], Any] | None = None):
        super().__init__(file)
        self.allowed = {**ARRAYS, **(extra or {})}
        self._persistent = persistent_load

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a weights file") from None

    def persistent_load(self, pid: Any) -> Any:
        if self._persistent is None:
            raise pickle.UnpicklingError("unexpected persistent id in a weights file")
        return self._persistent(pid)


def load(file: IO[bytes], *, extra: Globals | None = None,
         persistent_load: Callable[[Any], Any] | None = None) -> Any:
    """Read one pickle from ``file`` with `RestrictedUnpickler`.

    Raises:
        pickle.UnpicklingError: the pickle names something that is not data, or holds an
            array of Python objects.
        EOFError, ValueError, TypeError: a truncated or malformed pickle.

    Example:
        >>> import io
        >>> load(io.BytesIO(pickle.dumps({"w": np.zeros(2, np.float32)})))["w"].dtype
        dtype('float32')
    """
    result = RestrictedUnpickler(file, extra=extra, persistent_load=persistent_load).load()
    _refuse_object_arrays(result)
    return result


def _refuse_object_arrays(value: Any) -> None:
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:  # a pickle can build a list that holds itself
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray) and item.dtype.hasobject:
            raise pickle.UnpicklingError("an array of Python objects in a weights file; only arrays of numbers are read")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
