"""The feature's SQL: the compliance report's queries are ``report_repository.py``, the
subject-access export's ``subject_access_repository.py`` (re-exported here)."""

from likeness.compliance import report_repository, subject_access_repository
from likeness.compliance.report_repository import Scope

__all__ = ["Scope", "report_repository", "subject_access_repository"]
