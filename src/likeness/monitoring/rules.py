"""The life of a monitoring case: which step leads from which status to which (pure).

::

    open ──confirm──▶ confirmed ──sent──▶ notice_sent ──acknowledged──▶ acknowledged
      │                  │                     │                             │
      └──dismiss──▶ dismissed ◀──dismiss──┘    └──────removed (recheck)──────┴─▶ removed
                         │                                                         │
                         └──────────────close──────────────▶ closed ◀────close─────┘

A scan that finds the same image at the same place again only refreshes the case
(``seen``), except after ``removed`` or ``closed`` (not dismissed): the image is back, so
the case opens again (``reappeared``). ``sent`` needs a generated notice; ``dismiss``
needs a reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from likeness.models.monitoring import CaseStatus

S = CaseStatus

#: step → (the statuses it may start from, the status it leads to)
STEPS: Mapping[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "confirm": (frozenset({S.open}), S.confirmed),
    "dismiss": (frozenset({S.open, S.confirmed}), S.dismissed),
    "sent": (frozenset({S.confirmed}), S.notice_sent),
    "acknowledged": (frozenset({S.notice_sent}), S.acknowledged),
    "removed": (frozenset({S.notice_sent, S.acknowledged}), S.removed),
    "close": (frozenset({S.removed, S.dismissed}), S.closed),
    "reappeared": (frozenset({S.removed, S.closed}), S.open),
}
#: A notice may be generated (again) in these statuses.
NOTICE_STATUSES = frozenset({S.confirmed, S.notice_sent, S.acknowledged})
#: Statuses a recheck refetches the location for.
RECHECK_STATUSES = frozenset({S.notice_sent, S.acknowledged})


def next_status(step: str, current: CaseStatus) -> CaseStatus | None:
    """The status ``step`` leads to from ``current``; None when it is not allowed."""
    starts, target = STEPS[step]
    return target if current in starts else None


def allowed_from(step: str) -> list[str]:
    return sorted(status.value for status in STEPS[step][0])
