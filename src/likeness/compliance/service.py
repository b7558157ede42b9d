"""The use cases: the compliance report (``report.py``) and subject access
(``subject_access.py``), re-exported here."""

from likeness.compliance.report import ComplianceReport, compliance_report
from likeness.compliance.subject_access import subject_access

__all__ = ["ComplianceReport", "compliance_report", "subject_access"]
