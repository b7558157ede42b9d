"""The authenticated caller, resolved once per request or command.

An :class:`Actor` carries the user's role and the organisations they belong to, so
ownership checks are plain set lookups with no hidden queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from likeness.models.party import Role


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    email: str
    role: Role
    talent_id: str | None = None
    agency_ids: frozenset[str] = field(default_factory=frozenset)
    brand_ids: frozenset[str] = field(default_factory=frozenset)
    via: str = "token"

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        return f"{self.role.value}:{self.email}"

    @property
    def is_operator(self) -> bool:
        return self.role is Role.operator


#: The local command line acts as the installation's operator unless told otherwise.
SYSTEM_ACTOR = Actor(user_id=None, email="cli@localhost", role=Role.operator, via="cli")
