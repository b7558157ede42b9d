"""Who may see which asset: the one place that scopes the registry by role.

Exactly like licenses: a brand member sees the assets of their brands; a talent their
own; an agent those of the talent their agency represents under an agreement in force
today; an operator all. Strangers get 404 rather than 403, so asset ids do not leak.
What a relation may *do* with a visible asset (a brand downloads only its active
releases) is a rule of :mod:`likeness.asset.service`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from likeness.asset import repository
from likeness.asset.errors import AssetNotFound
from likeness.identity.actor import Actor
from likeness.models.asset import Asset
from likeness.party.access import related_filter, relations
from likeness.policy import Relation


def asset_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the assets an actor may see (None: everything)."""
    return related_filter(actor, Asset.talent_id, Asset.brand_id)


def relations_to(session: Session, actor: Actor, asset: Asset) -> frozenset[Relation]:
    return relations(session, actor, asset.talent_id, asset.brand_id)


def require_related(session: Session, actor: Actor, asset: Asset) -> frozenset[Relation]:
    """The actor's relations to the asset; none is a 404, so asset ids do not leak."""
    related = relations_to(session, actor, asset)
    if not related:
        raise AssetNotFound(f"no asset {asset.id}")
    return related


def get_asset_for(
    session: Session, actor: Actor, asset_id: str
) -> tuple[Asset, frozenset[Relation]]:
    """The asset and the actor's relations to it, if there are any; otherwise 404."""
    asset = repository.get(session, asset_id)
    if asset is None:
        raise AssetNotFound(f"no asset {asset_id}")
    return asset, require_related(session, actor, asset)
