"""Helpers for the ledger posting tests (no tests in here): a world with an active
license, a released asset and a publication, every step through the real services so the
audit events the poster reads are the real ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.asset_support import Released, licensed, register
from integration.test_license_support import World
from likeness.asset import service as assets
from likeness.asset.schemas import PublicationIn
from likeness.kit.clock import utcnow
from likeness.models.asset import Asset, AssetKind
from likeness.models.ledger import LedgerAccount, LedgerTransaction
from likeness.vault.deps import StorageDeps


@dataclass
class Money:
    released: Released
    assets: list[Asset]

    @property
    def world(self) -> World:
        return self.released.world


def earn(
    session: Session,
    world: World,
    deps: StorageDeps,
    *,
    releases: int = 1,
    publications: int = 1,
    **terms: Any,
) -> Money:
    """An active license (creation fee), ``releases`` releases (per-output fee each), the
    first published ``publications`` times on instagram (per-use fee each)."""
    released = licensed(session, world, deps, **terms)
    brand = world.actor(session, "brand")
    made = [register(session, brand, deps, released) for _ in range(releases)]
    for _ in range(publications):
        publish(session, world, made[0])
    return Money(released, made)


def publish(session: Session, world: World, asset: Asset, on: date | None = None) -> None:
    assets.report_publication(
        session,
        world.actor(session, "brand"),
        asset.id,
        PublicationIn(channel="instagram", territory="FR", published_on=on or utcnow().date()),
    )


def release(session: Session, world: World, deps: StorageDeps, released: Released) -> Asset:
    return register(session, world.actor(session, "brand"), deps, released, kind=AssetKind.release)


def transactions(session: Session) -> list[LedgerTransaction]:
    return list(
        session.execute(select(LedgerTransaction).order_by(LedgerTransaction.source_key))
        .scalars()
        .all()
    )


def balance(session: Session, kind: str, party_id: str, currency: str = "EUR") -> int:
    value = session.execute(
        select(LedgerAccount.balance).where(
            LedgerAccount.kind == kind,
            LedgerAccount.party_id == party_id,
            LedgerAccount.currency == currency,
        )
    ).scalar()
    return int(value or 0)
