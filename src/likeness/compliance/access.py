"""Who may have what: the reports' rules live in ``report_access.py`` (re-exported here)."""

from likeness.compliance.report_access import compliance_scope, require_subject_access

__all__ = ["compliance_scope", "require_subject_access"]
