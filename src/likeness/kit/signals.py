"""Stopping cleanly on SIGTERM and SIGINT.

While a command runs under :func:`stop_on_signals`, the first SIGTERM or SIGINT raises
:class:`Interrupted` (a ``BaseException``, like ``KeyboardInterrupt``) wherever the main
thread is. The code in flight unwinds through its ``except`` and ``finally`` blocks:
an ingest or a build undoes its intent (blobs deleted, a new key shredded), the unit of
work rolls back. Signals that arrive while it unwinds are noted, not raised, so the
cleanup itself is not cut short. Inside :func:`deferred` (a commit) a signal waits
until the block ends, so a change is either wholly saved or wholly undone.

A process killed with SIGKILL runs none of this; the intent journal covers that case
(see :mod:`likeness.storage.intents`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Interrupted", "deferred", "stop_on_signals"]

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(BaseException):
    """A stop signal arrived; ``saved`` tells whether the last commit had completed."""

    def __init__(self, signum: int, *, saved: bool = False) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        self.saved = saved
        super().__init__(self.signal_name)

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


class _State:
    active = False
    raised = False
    deferring = 0
    pending: int | None = None


_state = _State()


def _handler(signum: int, _frame: FrameType | None) -> None:
    if _state.raised:
        return  # already stopping: let the cleanup finish
    if _state.deferring:
        _state.pending = _state.pending or signum
        return
    _state.raised = True
    raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into :class:`Interrupted` for the block (main thread only;
    elsewhere, and when already active, it changes nothing)."""
    if threading.current_thread() is not threading.main_thread() or _state.active:
        yield
        return
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    _state.active, _state.raised, _state.deferring, _state.pending = True, False, 0, None
    for s in _SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _state.active, _state.raised, _state.deferring, _state.pending = False, False, 0, None


@contextmanager
def deferred() -> Iterator[None]:
    """Hold stop signals until the block ends (wrap a commit in it)."""
    if not _state.active:
        yield
        return
    _state.deferring += 1
    completed = False
    try:
        yield
        completed = True
    finally:
        _state.deferring -= 1
        pending = _state.pending
        if not _state.deferring and pending is not None and not _state.raised:
            _state.pending = None
            _state.raised = True
            raise Interrupted(pending, saved=completed)
