"""All ORM models, imported here so that metadata and Alembic see every table."""

from likeness.models import (
    asset,
    audit,
    auth,
    capture,
    catalogue,
    consent,
    generation,
    inbox,
    job,
    ledger,
    license,
    monitoring,
    monitoring_index,
    output,
    party,
    relight,
    twin,
)
from likeness.models.base import Base

__all__ = [
    "Base",
    "asset",
    "audit",
    "auth",
    "capture",
    "catalogue",
    "consent",
    "generation",
    "inbox",
    "job",
    "ledger",
    "license",
    "monitoring",
    "monitoring_index",
    "output",
    "party",
    "relight",
    "twin",
]
