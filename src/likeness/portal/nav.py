"""The navigation of each role: the header shows the caller's links, and ``/`` sends a
signed-in caller to their role's start page.

Add a link here when a page for that role exists (no links to pages still to come).
"""

from __future__ import annotations

from dataclasses import dataclass

from likeness.identity.actor import Actor
from likeness.models.party import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


#: Each role's links, in the order the header shows them; the first is the start page.
NAV: dict[Role, list[NavItem]] = {
    Role.talent: [
        NavItem("Catalogue", "/talent/catalogue"),
    ],
    Role.agent: [
        NavItem("Negotiations", "/agent/negotiations"),
        NavItem("Roster", "/agent/roster"),
        NavItem("Updates", "/agent/updates"),
    ],
    Role.brand: [
        NavItem("Catalogue", "/brand/catalogue"),
        NavItem("Licenses", "/brand/licenses"),
        NavItem("Generations", "/brand/generations"),
        NavItem("Assets", "/brand/assets"),
        NavItem("Take-downs", "/brand/takedowns"),
    ],
    Role.operator: [
        NavItem("Parties", "/operator/parties"),
        NavItem("Twins", "/operator/twins"),
        NavItem("Jobs", "/operator/jobs"),
        NavItem("Models", "/operator/models"),
        NavItem("Audit", "/operator/audit"),
    ],
}

#: Everyone's links, signed in or not.
PUBLIC_NAV: list[NavItem] = [NavItem("Verify an image", "/verify")]


def nav_for(actor: Actor | None) -> list[NavItem]:
    own = NAV.get(actor.role, []) if actor is not None else []
    return [*own, *PUBLIC_NAV]


def start_page(actor: Actor) -> str | None:
    """Where ``/`` sends ``actor``: their role's first page (None: the welcome page)."""
    own = NAV.get(actor.role, [])
    return own[0].href if own else None
