"""The compliance feature's shapes. The reports are JSON-ready values
(``report.ComplianceReport.to_dict``, schema ``likeness.compliance-report/1``;
``subject_access.subject_access``, schema ``likeness.subject-access/1``), described in
docs/guide/compliance.md; a signed chain head's pydantic model is below."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from likeness.compliance.report import SCHEMA as COMPLIANCE_REPORT_SCHEMA
from likeness.compliance.subject_access import SCHEMA as SUBJECT_ACCESS_SCHEMA

__all__ = [
    "COMPLIANCE_REPORT_SCHEMA",
    "SUBJECT_ACCESS_SCHEMA",
    "ConsistencyRead",
    "SignedHeadRead",
]


class ConsistencyRead(BaseModel):
    """Proof that the tree of ``from_size`` events is a prefix of the head's tree."""

    from_size: int
    from_root: str
    to_size: int
    path: list[str]


class SignedHeadRead(BaseModel):
    """A signed chain head (decision 0025), exactly as `likeness audit head --sign` writes."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="schema")
    tree_size: int
    root: str
    chain_hash: str
    at: str
    public_key: str
    key_fingerprint: str
    signature: str
    consistency: list[ConsistencyRead] | None = None
