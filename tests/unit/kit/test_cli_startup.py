"""The collector pause around a command's loading (kit.cli.collector_paused); the
entry point as a whole is tested in a fresh interpreter (tests/e2e/test_cli_startup.py),
since freezing the test process's own objects would keep them for good."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from likeness.kit import cli


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_paused_inside_and_running_after() -> None:
    gc.enable()
    with cli.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_runs_again_after_an_error() -> None:
    gc.enable()
    with pytest.raises(SystemExit), cli.collector_paused():
        raise SystemExit(1)
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off_and_nothing_is_frozen() -> None:
    gc.disable()
    frozen = gc.get_freeze_count()
    with cli.collector_paused():
        cli._command_loaded()  # not paused by us: nothing to freeze or resume
        assert not gc.isenabled()
    assert not gc.isenabled() and gc.get_freeze_count() == frozen


def test_loading_outside_the_entry_point_freezes_nothing() -> None:
    # Commands run through CliRunner (tests) never pass through main(): no freeze there.
    frozen = gc.get_freeze_count()
    cli._command_loaded()
    assert gc.get_freeze_count() == frozen
