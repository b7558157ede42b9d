"""What the table benches share (``jobs.py``, ``release.py``, ``generation.py``): a
nearest-rank percentile, the machine's load average, the table and the exit status.

Not a bench (it measures nothing): the benches import it as ``_common``, their own
folder being first on ``sys.path`` when run as ``python bench/<name>.py``.
"""

from __future__ import annotations

import os
import sys


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0-100) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def load_average(values: tuple[float, float, float] | None = None) -> str:
    """The load average over 1, 5 and 15 minutes (now, unless ``values`` are given)."""
    return ", ".join(f"{v:.2f}" for v in (values or os.getloadavg()))


def print_table(header: list[str], rows: list[list[str]], *, rule: bool = False) -> None:
    """Left-aligned columns, the header first (then a line of dashes if ``rule``)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths]] if rule else [header]
    for row in [*lines, *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


def exit_status(rows: list[list[str]], quick: bool) -> int:
    """1 (naming them on stderr) when a row's last cell says a target was ``MISSED``,
    except in ``--quick`` mode (a smoke test whose timings mean little); else 0."""
    missed = [row[0] for row in rows if row[-1] == "MISSED"]
    if missed and not quick:
        print(f"missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0
