"""SIGTERM and SIGINT become one exception; a commit in progress finishes first."""

from __future__ import annotations

import os
import signal

import pytest

from likeness.kit.signals import Interrupted, deferred, stop_on_signals


def _signal(sig: int) -> None:
    os.kill(os.getpid(), sig)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_raises_where_the_code_is(sig: int, code: int) -> None:
    before = signal.getsignal(sig)
    undone = []

    def command() -> None:
        with stop_on_signals():
            try:
                _signal(sig)
                raise AssertionError("not reached")
            except BaseException:
                _signal(sig)  # a second signal while cleaning up is noted, not raised
                undone.append(True)
                raise

    with pytest.raises(Interrupted) as caught:
        command()
    assert undone == [True] and caught.value.exit_code == code and not caught.value.saved
    assert signal.getsignal(sig) == before  # the previous handler is back


def test_a_signal_during_a_commit_waits_for_it() -> None:
    steps = []

    def command() -> None:
        with stop_on_signals():
            with deferred():
                _signal(signal.SIGTERM)
                steps.append("commit finished")
            steps.append("not reached")

    with pytest.raises(Interrupted) as caught:
        command()
    assert steps == ["commit finished"] and caught.value.saved
    assert caught.value.signal_name == "SIGTERM"


def test_outside_a_command_deferred_changes_nothing() -> None:
    with deferred():
        pass
