"""One BLAS thread, for the calling thread only, while the embedding network runs.

NumPy's wheels bundle OpenBLAS, which by default spreads every matrix product over all
cores. The embedding network's products are small (at most 5,184 × 288 by 288 × 32), so
on a busy machine the extra threads only wait for cores: one pass measured 1,130 ms
wall and 270 ms CPU with the default threads against 79 ms and 17 ms with one, at load
average 20 on 2 cores. dlib's own network runs on one thread too.

OpenBLAS 0.3.27 and later have ``openblas_set_num_threads_local``, which sets the count
for the calling thread only and returns the previous one, so nothing else in the
process is affected and threads need no coordination. Where the bundled library is
not found or lacks the function (another platform, another BLAS), nothing is changed.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np


@functools.cache
def _set_local_threads() -> Callable[[int], int] | None:
    """OpenBLAS's ``openblas_set_num_threads_local`` in the library NumPy loaded."""
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(folder.glob("lib*openblas*.so*")):
        try:
            function = ctypes.CDLL(str(path)).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        function.argtypes = [ctypes.c_int]
        function.restype = ctypes.c_int
        setter: Callable[[int], int] = function
        return setter
    return None


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Matrix products in this thread use one BLAS thread until the block ends."""
    setter = _set_local_threads()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(max(1, previous))
