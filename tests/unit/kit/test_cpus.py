from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from likeness.generation import checks
from likeness.kit import cpus
from likeness.provenance import _png


@pytest.fixture(autouse=True)
def _no_promise() -> Iterator[None]:
    cpus.limit(None)
    yield
    cpus.limit(None)


def test_machine_counts_the_affinity_set_where_there_is_one() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert cpus.machine() == expected


def test_usable_is_the_machine_until_a_promise_caps_it() -> None:
    assert cpus.usable() == cpus.machine()
    cpus.limit(1)
    assert cpus.usable() == 1
    cpus.limit(10_000)
    assert cpus.usable() == cpus.machine()  # a promise never adds cores
    cpus.limit(None)
    assert cpus.usable() == cpus.machine()


def test_a_promise_of_no_cores_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one core"):
        cpus.limit(0)


def test_a_process_promised_one_core_embeds_without_a_helper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cpus, "machine", lambda: 8)
    monkeypatch.setattr(checks, "_shared", None)
    assert checks._default_analyzer().config.helper_process is True
    monkeypatch.setattr(checks, "_shared", None)
    cpus.limit(1)
    assert checks._default_analyzer().config.helper_process is False


def test_a_process_promised_one_core_deflates_in_one_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cpus, "machine", lambda: 8)
    calls: list[int] = []
    real = _png._compressor

    def counting(level: int, wbits: int):  # type: ignore[no-untyped-def]
        calls.append(level)
        return real(level, wbits)

    monkeypatch.setattr(_png, "_compressor", counting)
    data = bytes(range(256)) * (_png.PARALLEL_MIN_BYTES // 256 + 1)
    _png.deflate(data)
    several = len(calls)
    calls.clear()
    cpus.limit(1)
    _png.deflate(data)
    assert several > 1
    assert len(calls) == 1
