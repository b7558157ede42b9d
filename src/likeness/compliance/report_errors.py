"""The compliance and subject-access reports' errors (all :class:`likeness.errors.LikenessError`)::

ReportError
├── InvalidReportRequest   a bad period, scope, format or sample size (422)
└── ReportForbidden        the caller may not have this report (403)
"""

from __future__ import annotations

from likeness.errors import Forbidden, InvalidInput, LikenessError


class ReportError(LikenessError):
    """Base of the report errors."""


class InvalidReportRequest(ReportError, InvalidInput):
    """A period, scope, format or sample size the report cannot use."""


class ReportForbidden(ReportError, Forbidden):
    """The caller may not have this report (a talent: only their own; a brand: its own)."""
