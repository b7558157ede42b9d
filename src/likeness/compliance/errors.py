"""Errors of the compliance feature (all :class:`likeness.errors.LikenessError`).

The reports' (``report_errors.py``, re-exported here)::

ReportError
├── InvalidReportRequest  a bad period, scope or format (422)
└── ReportForbidden       a scope the caller may not see (403)

Proof bundles::

ProofError
├── NotProvable     the asset is not a release: a preview proves nothing (409)
└── BundleUnreadable  a file given to the verifier is not a proof bundle (422)
"""

from __future__ import annotations

from likeness.compliance.report_errors import InvalidReportRequest, ReportError, ReportForbidden
from likeness.errors import LikenessError

__all__ = [
    "BundleUnreadable",
    "InvalidReportRequest",
    "NotProvable",
    "ProofError",
    "ReportError",
    "ReportForbidden",
]


class ProofError(LikenessError, status=409):
    """A proof bundle cannot be made or read."""


class NotProvable(ProofError, status=409):
    pass


class BundleUnreadable(ProofError, status=422):
    pass
