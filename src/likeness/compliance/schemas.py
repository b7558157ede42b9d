"""The reports' shapes: JSON-ready values (``report.ComplianceReport.to_dict``, schema
``likeness.compliance-report/1``; ``subject_access.subject_access``, schema
``likeness.subject-access/1``), described in docs/guide/compliance.md."""

from likeness.compliance.report import SCHEMA as COMPLIANCE_REPORT_SCHEMA
from likeness.compliance.subject_access import SCHEMA as SUBJECT_ACCESS_SCHEMA

__all__ = ["COMPLIANCE_REPORT_SCHEMA", "SUBJECT_ACCESS_SCHEMA"]
