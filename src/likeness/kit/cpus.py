"""How many cores this process may use: the machine's (or its CPU affinity's), or fewer
when whoever started the process promised a scheduler it would use fewer.

A Ray actor is declared with ``num_cpus=1``; Ray places one such actor per core and
counts on it using one. Code that would spread over spare cores (the face helper
process, the PNG writer's threads) asks :func:`usable` first, so a worker never takes a
core Ray has given to another worker (decision 0020).
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_budget: int | None = None


def machine() -> int:
    """The cores this process may be scheduled on: its affinity set where the system
    has one (a container or ``taskset`` narrows it), else the machine's count."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)


def usable() -> int:
    """The cores this process should use: :func:`machine`, capped by :func:`limit`."""
    with _lock:
        budget = _budget
    cores = machine()
    return cores if budget is None else max(1, min(cores, budget))


def limit(cores: int | None) -> None:
    """Promise to use at most ``cores`` cores from now on (``None``: no promise).
    :class:`ValueError` for fewer than one."""
    global _budget
    if cores is not None and cores < 1:
        raise ValueError(f"a process needs at least one core, not {cores}")
    with _lock:
        _budget = cores
