"""Who may see which money: the one place that scopes the ledger by role.

* an **operator** sees everything;
* a **talent** sees the lines of their own pay (``talent_id``);
* an **agent** sees the lines on which their agency earned (or was paid) commission
  (``agency_id``), i.e. its represented talents' uses while it represented them;
* a **brand** member sees its brands' payables (``brand_id``).

A party id outside the actor's reach answers 404, so ids do not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false

from likeness.identity.actor import Actor
from likeness.ledger.errors import LedgerNotFound
from likeness.models.ledger import AccountKind, LedgerAccount, LedgerTransaction, PayeeKind
from likeness.models.party import Role


def transaction_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the ledger transactions an actor may see (None: everything)."""
    if actor.is_operator:
        return None
    if actor.role is Role.talent:
        return LedgerTransaction.talent_id == actor.talent_id if actor.talent_id else false()
    if actor.role is Role.agent:
        ids = actor.agency_ids
        return LedgerTransaction.agency_id.in_(ids) if ids else false()
    if actor.role is Role.brand:
        ids = actor.brand_ids
        return LedgerTransaction.brand_id.in_(ids) if ids else false()
    return false()


def require_party_visible(actor: Actor, party_kind: str, party_id: str) -> None:
    """A statement, balance or payee of ``party_kind`` (talent, agency, brand) ``party_id``
    is the actor's to see: their own, or anything for an operator; else 404."""
    if actor.is_operator:
        return
    own = {
        PayeeKind.talent.value: actor.role is Role.talent and actor.talent_id == party_id,
        PayeeKind.agency.value: actor.role is Role.agent and party_id in actor.agency_ids,
        "brand": actor.role is Role.brand and party_id in actor.brand_ids,
    }
    if not own.get(party_kind, False):
        raise LedgerNotFound(f"no {party_kind} {party_id}")


def account_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the party accounts whose dues an actor may see (None: everything):
    a talent their own payable, an agent their agencies' payables, a brand member their
    brands' receivables."""
    if actor.is_operator:
        return None
    if actor.role is Role.talent and actor.talent_id:
        return and_(
            LedgerAccount.kind == AccountKind.talent_payable,
            LedgerAccount.party_id == actor.talent_id,
        )
    if actor.role is Role.agent and actor.agency_ids:
        return and_(
            LedgerAccount.kind == AccountKind.agency_payable,
            LedgerAccount.party_id.in_(actor.agency_ids),
        )
    if actor.role is Role.brand and actor.brand_ids:
        return and_(
            LedgerAccount.kind == AccountKind.brand_receivable,
            LedgerAccount.party_id.in_(actor.brand_ids),
        )
    return false()
