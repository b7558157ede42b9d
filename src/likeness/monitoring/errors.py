"""Errors of monitoring: a scan or case that is not there, a bad source, a step the
case's state does not allow."""

from __future__ import annotations

from likeness.errors import InvalidInput, LikenessError, NotFound


class MonitoringError(LikenessError, status=422):
    """Base of the monitoring errors."""


class ScanNotFound(MonitoringError, NotFound, status=404):
    pass


class CaseNotFound(MonitoringError, NotFound, status=404):
    pass


class InvalidScanSource(MonitoringError, InvalidInput):
    """A scan source that is empty, too long, or that no source reader accepts."""


class InvalidCaseStep(MonitoringError, status=409):
    """The case's status does not allow this step (confirm a dismissed case, send a
    notice that was never generated, …); the message names the status."""


class DismissReasonRequired(MonitoringError, InvalidInput):
    """Dismissing a case needs a reason a person can read later."""
