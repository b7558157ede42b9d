"""All ORM models, imported here so that metadata and Alembic see every table."""

from likeness.models import audit, auth, capture, consent, license, party, twin
from likeness.models.base import Base

__all__ = ["Base", "audit", "auth", "capture", "consent", "license", "party", "twin"]
