"""Helpers for the proof bundle tests (no tests in here): a release made through the real
services (output → approval → release, ledger posted), and a way to rewrite the chain the
way an attacker holding the database *and* the audit key would."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import output_support as support
from likeness.audit.chain import EventFields, event_hash, event_seal, head_seal
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.ledger import service as ledger
from likeness.models.asset import Asset
from likeness.models.audit import AuditEvent, AuditHead
from likeness.output import service as outputs
from likeness.vault.deps import StorageDeps


def release(session: Session, deps: StorageDeps, s: support.Setup, seed: int = 0) -> Asset:
    out = support.create(session, deps, s, seed=seed)
    outputs.approve(session, s.world.actor(session, "talent"), out.id)
    brand = s.world.actor(session, "brand")
    done = outputs.require_released(outputs.release(session, brand, deps, out.id, s.config))
    ledger.post_pending(session, SYSTEM_ACTOR)
    # Committed, as a request would be before anyone asks for its proof: on PostgreSQL the
    # head is signed over a snapshot that sees only committed events.
    session.commit()
    return done.asset


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def with_member(bundle: bytes, name: str, body: bytes) -> bytes:
    files = members(bundle)
    files[name] = body
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    return out.getvalue()


def rewrite_event(session: Session, seq: int, key: bytes) -> None:
    """Change event ``seq``'s payload and re-hash and re-seal it and every later event
    and the head: a rewrite that the HMAC check alone cannot see."""
    rows = list(
        session.scalars(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq))
    )
    prev = rows[0].prev_hash
    for row in rows:
        payload = row.payload
        if row.seq == seq:
            data = json.loads(payload)
            data["rewritten"] = True
            payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
        fields = EventFields(
            row.seq, row.at, row.actor, row.actor_user_id, row.action,
            row.object_type, row.object_id, payload, prev,
        )  # fmt: skip
        digest = event_hash(fields)
        fields = replace(fields, hash=digest, mac=event_seal(key, digest))
        session.delete(row)
        session.flush()
        session.add(AuditEvent(**vars(fields)))
        session.flush()
        prev = digest
    head = session.get(AuditHead, 1)
    assert head is not None
    head.hash, head.mac = prev, head_seal(key, head.seq, prev)
    session.commit()
