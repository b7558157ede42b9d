"""Subject access for talent (issue 23, item 4; GDPR art. 15 style).

:func:`subject_access` exports everything Likeness holds about one talent: the profile
and account, representation agreements, consents (with their signed documents and the
signatures' intent records), licenses (with their terms), assets and outputs, money
(accounts, every ledger line, the payee with the IBAN masked), the audit events that
name them or that they made, and which **biometric data** exists and where — capture
sessions, twin versions and the reference template are sealed: the export says what
each is, its status and where it is kept (blob store, key vault), never the data, its
blob keys' contents or the embedding.

Who may have it: the talent themself and operators (``report_access.py``; decision
0026). Each export is recorded in the audit chain (``report.subject_access``), so the
talent can later see who exported their data.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.compliance import subject_access_repository as repo
from likeness.compliance.report_access import require_subject_access
from likeness.compliance.report_errors import ReportForbidden
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.ledger.banking import mask_iban

SCHEMA = "likeness.subject-access/1"
NOTICE = (
    "This export lists everything Likeness holds about you (GDPR art. 15): your profile, "
    "consents, licenses, assets, money and the audit events that name you. Biometric "
    "data (capture images, twin artifacts, the face template of your reference photo) is "
    "stored sealed with keys held outside the database: this export says what exists "
    "and where, and never contains it."
)
#: Payload keys never copied into an export, whatever an event carries.
_BIOMETRIC_KEYS = frozenset({"embedding", "embeddings", "template", "vector", "descriptor"})


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value: object) -> object:
    return getattr(value, "value", value)


def _clean(payload: object) -> object:
    """The payload without any biometric-looking key (defence in depth: none carries one)."""
    if isinstance(payload, dict):
        return {k: _clean(v) for k, v in payload.items() if k.lower() not in _BIOMETRIC_KEYS}
    if isinstance(payload, list):
        return [_clean(v) for v in payload]
    return payload


def subject_access(
    session: Session, actor: Actor, talent_id: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The export as a JSON-ready dict (see the module docstring)."""
    require_subject_access(actor, talent_id)
    found = repo.talent_and_user(session, talent_id)
    if found is None:
        if actor.is_operator:
            from likeness.compliance.report_errors import InvalidReportRequest

            raise InvalidReportRequest(f"no talent {talent_id}")
        raise ReportForbidden("only the talent themself (or an operator) may export their data")
    talent, user = found
    now = now or utcnow()
    profile = {
        "talent_id": talent.id,
        "legal_name": talent.legal_name,
        "stage_name": talent.stage_name,
        "profile_created_at": _iso(talent.created_at),
        "user_id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": _value(user.role),
        "account_active": user.is_active,
        "account_created_at": _iso(user.created_at),
    }
    representations = [
        {
            "id": r.id,
            "agency": name,
            "agency_id": r.agency_id,
            "starts_on": r.starts_on.isoformat(),
            "ends_on": r.ends_on.isoformat(),
            "status": _value(r.status),
        }
        for r, name in repo.representations(session, talent.id)
    ]
    consents = []
    for c, sig in repo.consents(session, talent.id):
        document = json.loads(c.document)
        consents.append(
            {
                "id": c.id,
                "kind": _value(c.kind),
                "status": _value(c.status),
                "license_id": c.license_id,
                "twin_id": c.twin_id,
                "purpose": document.get("purpose"),
                "valid_from": _iso(c.valid_from),
                "valid_until": _iso(c.valid_until),
                "signed_at": _iso(c.signed_at),
                "revoked_at": _iso(c.revoked_at),
                "revocation_reason": c.revocation_reason,
                "document_sha256": c.document_sha256,
                "document": document,
                "signature": None
                if sig is None
                else {
                    "signer_user_id": sig.signer_user_id,
                    "typed_name": sig.typed_name,
                    "statement": sig.statement,
                    "signed_at": _iso(sig.signed_at),
                    "ed25519_public_key": sig.ed25519_public_key,
                },
            }
        )
    licenses = [
        {
            "id": lic.id,
            "brand": brand,
            "brand_id": lic.brand_id,
            "twin_id": lic.twin_id,
            "status": _value(lic.status),
            "starts_at": _iso(lic.starts_at),
            "ends_at": _iso(lic.ends_at),
            "activated_at": _iso(lic.activated_at),
            "ended_at": _iso(lic.ended_at),
            "end_reason": lic.end_reason,
            "commission_bps": lic.commission_bps,
            "released_count": lic.released_count,
            "terms": json.loads(lic.terms),
        }
        for lic, brand in repo.licenses(session, talent.id)
    ]
    assets = [
        {
            "id": a.id,
            "kind": _value(a.kind),
            "status": _value(a.status),
            "brand": brand,
            "brand_id": a.brand_id,
            "license_id": a.license_id,
            "channel": a.channel,
            "released_at": _iso(a.released_at),
            "valid_until": _iso(a.valid_until),
            "takedown_by": _iso(a.takedown_by),
            "file_sha256": a.file_sha256,
            "where": "blob store, sealed with the twin's data key",
        }
        for a, brand in repo.assets(session, talent.id)
    ]
    outputs = repo.output_ids(session, talent.id)
    output_counts: dict[str, int] = {}
    for _id, status in outputs:
        output_counts[status] = output_counts.get(status, 0) + 1
    requests = repo.generation_request_ids(session, talent.id)
    payee = repo.payee(session, talent.id)
    money = {
        "accounts": [
            {"kind": _value(a.kind), "currency": a.currency, "balance": a.balance}
            for a in repo.accounts(session, talent.id)
        ],
        "transactions": [
            {
                "id": t.id,
                "kind": _value(t.kind),
                "occurred_on": t.occurred_on.isoformat(),
                "currency": t.currency,
                "license_id": t.license_id,
                "brand_id": t.brand_id,
                "asset_id": t.asset_id,
                "channel": t.channel,
                "gross": t.gross,
                "commission": t.commission,
                "platform_fee": t.platform_fee,
                "net": t.net,
                "due_on": t.due_on.isoformat() if t.due_on else None,
                "external_ref": t.external_ref,
            }
            for t in repo.transactions(session, talent.id)
        ],
        "payee": None
        if payee is None
        else {"holder_name": payee.holder_name, "iban": mask_iban(payee.iban), "bic": payee.bic},
    }
    biometric: list[dict[str, Any]] = []
    twins = repo.twins(session, talent.id)
    for twin, versions in twins:
        biometric.append(
            {
                "what": "digital twin",
                "id": twin.id,
                "status": _value(twin.status),
                "created_at": _iso(twin.created_at),
                "where": (
                    f"blob store; sealed, key twin-{twin.id} in the key vault"
                    if _value(twin.status) != "deleted"
                    else "crypto-shredded: data key destroyed, blobs removed"
                ),
                "versions": [
                    {
                        "version": v.version,
                        "status": _value(v.status),
                        "artifacts": sorted(json.loads(v.artifacts or "{}")),
                        "views": v.view_count,
                        "lights": v.light_count,
                    }
                    for v in versions
                ],
            }
        )
    captures = repo.capture_sessions(session, talent.id)
    for capture in captures:
        biometric.append(
            {
                "what": "capture session (photographs)",
                "id": capture.id,
                "status": _value(capture.status),
                "created_at": _iso(capture.created_at),
                "files": capture.file_count,
                "bytes": capture.total_bytes,
                "where": (
                    f"blob store; sealed, key capture-{capture.id} in the key vault"
                    if capture.deleted_at is None
                    else "crypto-shredded: data key destroyed, blobs removed"
                ),
            }
        )
    reference = repo.reference(session, talent.id)
    if reference is not None:
        ref_id, photo_sha256, created_at = reference
        biometric.append(
            {
                "what": "face template of the reference photo (128-D embedding)",
                "id": ref_id,
                "status": "sealed",
                "created_at": _iso(created_at),
                "photo_sha256": photo_sha256,
                "where": (
                    f"database; encrypted, key reference-{ref_id} in the key vault "
                    "(the photo itself is not kept)"
                ),
            }
        )
    monitoring = _monitoring(session, talent.id)
    if monitoring["references"]:
        biometric.append(
            {
                "what": "monitoring face references (128-D embeddings, one per source)",
                "count": len(monitoring["references"]),
                "sources": [r["source"] for r in monitoring["references"]],
                "status": "kept while enrolled in monitoring",
                "where": (
                    "database table monitoring_references, not sealed so that scans can "
                    "search them (decision 0024); deleted at once on opting out"
                ),
            }
        )
    object_ids = {talent.id, user.id}
    object_ids |= {str(c["id"]) for c in consents} | {str(lic["id"]) for lic in licenses}
    object_ids |= {str(a["id"]) for a in assets} | {i for i, _s in outputs} | set(requests)
    object_ids |= {t.id for t, _v in twins} | {c.id for c in captures}
    object_ids |= {str(c["id"]) for c in monitoring["cases"]}
    if reference is not None:
        object_ids.add(reference[0])
    events = [
        {
            "seq": e.seq,
            "at": _iso(e.at),
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "payload": _clean(json.loads(e.payload)),
            "hash": e.hash,
        }
        for e in repo.audit_events(session, user.id, object_ids)
    ]
    export = {
        "schema": SCHEMA,
        "generated_at": now.isoformat(),
        "notice": NOTICE,
        "profile": profile,
        "representations": representations,
        "consents": consents,
        "licenses": licenses,
        "assets": assets,
        "outputs": {"count": len(outputs), "by_status": dict(sorted(output_counts.items()))},
        "generation_requests": {"count": len(requests)},
        "money": money,
        "monitoring": monitoring,
        "audit_events": events,
        "biometric_data": biometric,
        "counts": {
            "representations": len(representations),
            "consents": len(consents),
            "licenses": len(licenses),
            "assets": len(assets),
            "outputs": len(outputs),
            "ledger_transactions": len(money["transactions"]),  # type: ignore[arg-type]
            "audit_events": len(events),
            "monitoring_cases": len(monitoring["cases"]),
            "biometric_items": len(biometric),
        },
    }
    record(
        session,
        actor,
        "report.subject_access",
        "talent",
        talent.id,
        {"counts": export["counts"]},
    )
    return export


def _monitoring(session: Session, talent_id: str) -> dict[str, Any]:
    """Monitoring: whether the talent is searched, the references' sources (never the
    embeddings) and the cases about them (where their face was found)."""
    enrolment = repo.monitoring_enrolment(session, talent_id)
    return {
        "enrolled": bool(enrolment and enrolment.enrolled),
        "opted_in_at": _iso(enrolment.opted_in_at) if enrolment else None,
        "opted_out_at": _iso(enrolment.opted_out_at) if enrolment else None,
        "references": [
            {"id": ref_id, "source": source, "created_at": _iso(created)}
            for ref_id, source, created in repo.monitoring_references(session, talent_id)
        ],
        "cases": [
            {
                "id": case.id,
                "verdict": case.verdict.value,
                "status": case.status.value,
                "location": case.location,
                "first_seen_at": _iso(case.first_seen_at),
                "last_seen_at": _iso(case.last_seen_at),
            }
            for case in repo.monitoring_cases(session, talent_id)
        ],
    }
