"""The navigation of each role: the header shows the caller's links, and ``/`` sends a
signed-in caller to their role's start page.

Add a link here when a page for that role exists (no links to pages still to come).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from likeness.identity.actor import Actor
from likeness.models.party import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    #: How many things wait on this page (shown as a count next to the link).
    badge: int = 0


#: Each role's links, in the order the header shows them; the first is the start page.
NAV: dict[Role, list[NavItem]] = {
    Role.talent: [
        NavItem("Inbox", "/talent/inbox"),
        NavItem("My likeness", "/talent/likeness"),
        NavItem("Twins & consents", "/talent/consents"),
        NavItem("Catalogue", "/talent/catalogue"),
        NavItem("Earnings", "/talent/earnings"),
        NavItem("Monitoring", "/monitoring"),
        NavItem("Notifications", "/notifications"),
    ],
    Role.agent: [
        NavItem("Negotiations", "/agent/negotiations"),
        NavItem("Roster", "/agent/roster"),
        NavItem("Updates", "/agent/updates"),
        NavItem("Commission", "/agent/commission"),
        NavItem("Monitoring", "/monitoring"),
        NavItem("Notifications", "/notifications"),
    ],
    Role.brand: [
        NavItem("Catalogue", "/brand/catalogue"),
        NavItem("Licenses", "/brand/licenses"),
        NavItem("Generations", "/brand/generations"),
        NavItem("Assets", "/brand/assets"),
        NavItem("Take-downs", "/brand/takedowns"),
        NavItem("Payables", "/brand/payables"),
        NavItem("Notifications", "/notifications"),
    ],
    Role.operator: [
        NavItem("Parties", "/operator/parties"),
        NavItem("Twins", "/operator/twins"),
        NavItem("Jobs", "/operator/jobs"),
        NavItem("Models", "/operator/models"),
        NavItem("Audit", "/operator/audit"),
        NavItem("Ledger", "/operator/ledger"),
        NavItem("Monitoring", "/monitoring"),
    ],
}

#: Everyone's links, signed in or not.
PUBLIC_NAV: list[NavItem] = [NavItem("Verify an image", "/verify")]


def nav_for(actor: Actor | None, badges: dict[str, int] | None = None) -> list[NavItem]:
    """The header links of ``actor`` (anonymous: None), with ``badges`` (href → count)."""
    own = NAV.get(actor.role, []) if actor is not None else []
    counts = badges or {}
    return [replace(item, badge=counts.get(item.href, 0)) for item in [*own, *PUBLIC_NAV]]


def start_page(actor: Actor) -> str | None:
    """Where ``/`` sends ``actor``: their role's first page (None: the welcome page)."""
    own = NAV.get(actor.role, [])
    return own[0].href if own else None
