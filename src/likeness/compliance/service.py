"""The compliance feature's use cases: the compliance report (``report.py``) and subject
access (``subject_access.py``), re-exported here; proof bundles and signed heads below."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import heads_service
from likeness.compliance import bundle
from likeness.compliance.report import ComplianceReport, compliance_report
from likeness.compliance.subject_access import subject_access
from likeness.identity.actor import Actor
from likeness.vault.deps import StorageDeps

__all__ = ["ComplianceReport", "compliance_report", "prove", "signed_head", "subject_access"]


def prove(
    session: Session, actor: Actor, deps: StorageDeps, keys_dir: Path, asset_id: str
) -> bundle.Bundle:
    """The proof bundle of one release (:mod:`likeness.compliance.bundle`)."""
    return bundle.build(session, actor, deps, keys_dir, asset_id)


def signed_head(session: Session, keys_dir: Path, since: Sequence[int] = ()) -> dict[str, Any]:
    """The chain's head, verified and signed now, with consistency proofs from ``since``."""
    state = heads_service.signed_state(session, keys_dir)
    return heads_service.export(state, since)
