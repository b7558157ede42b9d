"""The compliance report and a subject-access export as files, JSON or PDF.

One place decides what each format's bytes are, so the CLI's file and the API's download of
the same report are the same bytes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from likeness.compliance.report import ComplianceReport

FileFormat = Literal["json", "pdf"]
MEDIA_TYPES: dict[str, str] = {"json": "application/json", "pdf": "application/pdf"}


def report_file(report: ComplianceReport, format: FileFormat) -> bytes:
    """The report as an auditor's PDF or as its JSON document."""
    if format == "pdf":
        from likeness.compliance.pdf import compliance_pdf  # fpdf loads only when needed

        return compliance_pdf(report)
    return report.to_json().encode()


def subject_access_file(export: dict[str, Any], format: FileFormat) -> bytes:
    """A talent's subject-access export as a PDF or as indented JSON (UTF-8, ending in a
    newline)."""
    if format == "pdf":
        from likeness.compliance.pdf import subject_access_pdf

        return subject_access_pdf(export)
    return (json.dumps(export, indent=2, ensure_ascii=False) + "\n").encode()
