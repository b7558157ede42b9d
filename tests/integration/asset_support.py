"""Shared helpers for the asset registry tests (no tests in here).

An output row is written directly (the output package makes them in the real flow), so
the registry is tested on its own: a world with an active license, a twin with a data
key, an approved output, and a small PNG to register.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from integration.test_license_support import World, to_status
from likeness.asset import service as assets
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.licensing import repository as licenses
from likeness.models.asset import Asset, AssetKind
from likeness.models.base import new_id
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus
from likeness.models.twin import Twin, TwinStatus
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name


def png(seed: int = 0, size: int = 8) -> bytes:
    image = Image.new("RGB", (size, size), ((seed * 37) % 256, (seed * 91) % 256, 120))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class Released:
    """A running license with a twin, ready for outputs."""

    world: World
    license: License
    twin: Twin
    consent_sha256: str


def licensed(session: Session, world: World, deps: StorageDeps, **terms: Any) -> Released:
    twin = Twin(id=new_id(), talent_id=world.talent.id, status=TwinStatus.active, latest_version=1)
    session.add(twin)
    session.flush()
    deps.cipher.create_key(twin_key_name(twin.id))
    lic = to_status(session, world, "active", **terms)
    consent = licenses.use_consent_of(session, lic.id)
    assert consent is not None
    return Released(world, lic, twin, consent.document_sha256)


def output(
    session: Session, released: Released, status: OutputStatus = OutputStatus.approved
) -> Output:
    decision = json.dumps({"effect": "allow", "license_id": released.license.id})
    consent = licenses.use_consent_of(session, released.license.id)
    assert consent is not None
    row = Output(
        id=new_id(),
        license_id=released.license.id,
        twin_id=released.twin.id,
        twin_version=1,
        talent_id=released.license.talent_id,
        brand_id=released.license.brand_id,
        status=status,
        version=1,
        use_json=json.dumps({"action": "generate", "channel": "instagram"}),
        decision_json=decision,
        decision_sha256=hashlib.sha256(decision.encode()).hexdigest(),
        consent_id=consent.id,
        engine="studio",
        engine_params="{}",
        blob_key="0" * 64,
        image_sha256="1" * 64,
        media_type="image/png",
        width=8,
        height=8,
        updated_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def register(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    released: Released,
    *,
    kind: AssetKind = AssetKind.release,
    out: Output | None = None,
    data: bytes | None = None,
    channel: str | None = "instagram",
    idempotency_key: str | None = None,
    valid_until: datetime | None = None,
) -> Asset:
    out = out or output(
        session,
        released,
        OutputStatus.approved if kind is AssetKind.release else OutputStatus.pending,
    )
    asset_id, _ = assets.allocate(session)
    return assets.register(
        session,
        actor,
        deps,
        asset_id=asset_id,
        kind=kind,
        output=out,
        data=data if data is not None else png(),
        media_type="image/png",
        channel=channel if kind is AssetKind.release else None,
        consent_sha256=released.consent_sha256,
        approval_sha256="a" * 64 if kind is AssetKind.release else None,
        valid_until=valid_until or released.license.ends_at,
        idempotency_key=idempotency_key,
    )


def later(days: int) -> datetime:
    return utcnow() + timedelta(days=days)


def reload(session: Session, released: Released) -> Released:
    """The same license and twin, attached to another session."""
    lic = session.get(License, released.license.id)
    twin = session.get(Twin, released.twin.id)
    assert lic is not None and twin is not None
    return Released(released.world, lic, twin, released.consent_sha256)
