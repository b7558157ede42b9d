"""All ORM models, imported here so that metadata and Alembic see every table."""

from likeness.models import audit, auth, party
from likeness.models.base import Base

# --- feature models (one import line per feature) ---
from likeness.models import consent, license  # noqa: F401  # isort: skip
from likeness.models import capture, twin  # noqa: F401  # isort: skip
# --- end feature models ---

__all__ = ["Base", "audit", "auth", "party"]
