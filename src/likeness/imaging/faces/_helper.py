"""A second process that runs dlib's embedding network, so two views embed at once.

dlib's ``compute_face_descriptor`` holds Python's lock for its whole forward pass (about
75 ms for a 150×150 chip on this project's CPUs), so a mirror-averaged embedding costs two
passes one after the other, and nothing else in the process runs meanwhile. With
``FaceConfig(helper_process=True)`` the analyzer cuts both aligned chips itself
(``dlib.get_face_chip``: what the network would cut, bit for bit), sends the mirror's to
this helper and embeds the face's own meanwhile: about half the time, the same numbers.
It serves dlib's network only (``FaceConfig(embedder="dlib")``): the default NumPy port
(decision 0031) embeds both views in-process in less than one of dlib's passes.

The helper is a plain child interpreter (``python -m likeness.imaging.faces._helper
MODEL``), not :mod:`multiprocessing`: it never re-imports the parent's ``__main__`` (a Ray
worker's, a server's) and needs no fork of a process full of threads. It speaks over its
pipes: a request is a 12-byte header (height, width, jitter as little-endian uint32) and
the chip's RGB bytes; the answer is 128 little-endian float64. It loads the same admitted
model file as the parent, exits when its stdin closes, and is started on first use.

Any trouble with it (it cannot start, dies, answers short) is logged once and the
analyzer embeds in-process from then on: slower, never different.
"""

from __future__ import annotations

import logging
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<III")
_VECTOR_BYTES = 128 * 8


class HelperFailed(Exception):
    """The helper process could not answer (internal: the analyzer falls back)."""


class DescriptorHelper:
    """One helper process per instance, used by one request at a time."""

    def __init__(self, model_path: Path) -> None:
        self._model_path = model_path
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._broken = False

    @property
    def broken(self) -> bool:
        return self._broken

    def try_begin(self, chip: NDArray[np.uint8], jitter: int) -> bool:
        """Send ``chip`` to be embedded, if the helper is free and healthy; the caller must
        then :meth:`finish`. False: busy or broken (embed in-process instead)."""
        if self._broken or not self._lock.acquire(blocking=False):
            return False
        try:
            process = self._started()
            header = _HEADER.pack(chip.shape[0], chip.shape[1], jitter)
            assert process.stdin is not None
            process.stdin.write(header + np.ascontiguousarray(chip, dtype=np.uint8).tobytes())
            process.stdin.flush()
        except (OSError, ValueError, HelperFailed) as exc:
            self._give_up(exc)
            self._lock.release()
            return False
        return True

    def finish(self) -> NDArray[np.float64]:
        """The embedding of the chip :meth:`try_begin` sent; raises :class:`HelperFailed`."""
        try:
            process = self._process
            if process is None or process.stdout is None:
                raise HelperFailed("the helper is not running")
            data = process.stdout.read(_VECTOR_BYTES)
            if len(data) != _VECTOR_BYTES:
                raise HelperFailed(f"the helper answered {len(data)} bytes, not {_VECTOR_BYTES}")
            return np.frombuffer(data, dtype="<f8").astype(np.float64)
        except (OSError, ValueError, HelperFailed) as exc:
            self._give_up(exc)
            raise HelperFailed(str(exc)) from exc
        finally:
            self._lock.release()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _stop(process)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            # This interpreter, this module, and the admitted model's path: no shell, no
            # user input.
            command = [sys.executable, "-m", __name__, str(self._model_path)]
            self._process = subprocess.Popen(  # noqa: S603
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        return self._process

    def _give_up(self, exc: BaseException) -> None:
        if not self._broken:
            log.warning("face embedding helper process failed (%s): embedding in-process", exc)
        self._broken = True
        self.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()


def _serve(model_path: str) -> None:
    """The helper's loop: read a chip, write its embedding, until stdin closes."""
    import dlib

    net = dlib.face_recognition_model_v1(model_path)
    read, write = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = read.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        height, width, jitter = _HEADER.unpack(header)
        size = height * width * 3
        body = read.read(size)
        if len(body) < size:
            return
        chip = np.frombuffer(body, dtype=np.uint8).reshape(height, width, 3)
        vector = np.asarray(net.compute_face_descriptor(chip, jitter), dtype="<f8")
        write.write(vector.tobytes())
        write.flush()


if __name__ == "__main__":  # pragma: no cover - runs in the child process
    _serve(sys.argv[1])
