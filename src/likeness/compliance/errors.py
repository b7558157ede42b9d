"""The compliance feature's errors: the reports' live in ``report_errors.py`` (re-exported
here, the feature's common place for its error tree)."""

from likeness.compliance.report_errors import InvalidReportRequest, ReportError, ReportForbidden

__all__ = ["InvalidReportRequest", "ReportError", "ReportForbidden"]
