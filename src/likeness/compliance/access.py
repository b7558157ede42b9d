"""Who may see what of the compliance feature: the reports' rules live in
``report_access.py`` (re-exported here); a proof bundle's are below."""

from __future__ import annotations

from sqlalchemy.orm import Session

from likeness.asset import access as asset_access
from likeness.compliance.errors import NotProvable
from likeness.compliance.report_access import compliance_scope, require_subject_access
from likeness.identity.actor import Actor
from likeness.models.asset import Asset, AssetKind

__all__ = ["compliance_scope", "provable_asset", "require_subject_access"]


def provable_asset(session: Session, actor: Actor, asset_id: str) -> Asset:
    """The release, for its brand, its talent, the talent's agency or an operator; anyone
    else gets the registry's 404 (asset ids do not leak). A preview proves nothing."""
    asset, _ = asset_access.get_asset_for(session, actor, asset_id)
    if asset.kind is not AssetKind.release:
        raise NotProvable(f"asset {asset.id} is a {asset.kind.value}: only a release is proved")
    return asset
