"""The rights core over HTTP: negotiate, sign, decide, revoke, notify, with role checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from integration.test_license_support import LEGAL_NAME, World
from likeness.consent.signing import AFFIRMATION
from likeness.kit.clock import utcnow


def terms(**changes: Any) -> dict[str, Any]:
    now = utcnow()
    data: dict[str, Any] = {
        "channels": ["instagram", "web"],
        "territories": ["FR"],
        "categories": ["fashion"],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=180)).isoformat(),
        "max_outputs": 5,
        "per_output_fee_minor": 4_000,
        "per_use_fees_minor": {"instagram": 1_000},
        "purpose": "Summer campaign",
    }
    data.update(changes)
    return data


def use(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "twin": world.talent.id,
        "brand_id": world.brand.id,
        "action": "publish",
        "channel": "instagram",
        "territory": "FR",
        "category": "fashion",
        **changes,
    }


def test_openapi_documents_the_rights_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/licenses",
        "/api/v1/licenses/{license_id}/approve",
        "/api/v1/consents/{consent_id}/sign",
        "/api/v1/consents/{consent_id}/document",
        "/api/v1/decide",
        "/api/v1/notifications",
        "/api/v1/talents/{talent_id}/limits",
    ):
        assert path in paths, path
    decide_schema = paths["/api/v1/decide"]["post"]["responses"]["200"]["content"]
    assert "DecisionRead" in str(decide_schema)


def test_negotiate_sign_decide_revoke_over_http(
    client: TestClient, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, h = parties
    post = client.post
    # Creation consent: drafted by the agent, signed by the talent only.
    creation = post(
        "/api/v1/consents/creation",
        headers=h["agent"],
        json={
            "talent_id": world.talent.id,
            "purpose": "Build my twin",
            "valid_until": (utcnow() + timedelta(days=3650)).isoformat(),
        },
    )
    assert creation.status_code == 201, creation.text
    creation_id = creation.json()["id"]
    sign_body = {"typed_name": LEGAL_NAME, "statement": AFFIRMATION}
    refused = post(f"/api/v1/consents/{creation_id}/sign", headers=h["agent"], json=sign_body)
    assert refused.status_code == 403
    assert refused.json()["error"] == "SignerNotTalent"
    signed = post(f"/api/v1/consents/{creation_id}/sign", headers=h["talent"], json=sign_body)
    assert signed.json()["status"] == "signed"

    # Negotiation.
    created = post(
        "/api/v1/licenses",
        headers=h["brand"],
        json={"talent_id": world.talent.id, "brand_id": world.brand.id, "terms": terms()},
    )
    assert created.status_code == 201, created.text
    lic = created.json()
    assert lic["status"] == "requested" and lic["available_actions"] == ["withdraw"]
    lid = lic["id"]
    assert client.get(f"/api/v1/licenses/{lid}", headers=h["other_brand"]).status_code == 404
    proposed = post(f"/api/v1/licenses/{lid}/propose", headers=h["agent"], json={"terms": terms()})
    assert proposed.json()["status"] == "proposed"
    stale = post(f"/api/v1/licenses/{lid}/accept", headers=h["brand"], json={"version": 1})
    assert stale.status_code == 409 and stale.json()["error"] == "StaleLicense"
    wrong_role = post(f"/api/v1/licenses/{lid}/accept", headers=h["agent"], json={})
    assert wrong_role.status_code == 403
    assert wrong_role.json()["error"] == "TransitionNotPermitted"
    accepted = post(f"/api/v1/licenses/{lid}/accept", headers=h["brand"], json={"version": 2})
    assert accepted.json()["status"] == "accepted"
    consent_id = accepted.json()["use_consent_id"]

    # The talent reads the use consent in plain language, then approves by signing it.
    md = client.get(f"/api/v1/consents/{consent_id}/document", headers=h["talent"])
    assert md.headers["content-type"].startswith("text/markdown")
    assert "Channels: instagram, web." in md.text
    pdf = client.get(
        f"/api/v1/consents/{consent_id}/document", params={"format": "pdf"}, headers=h["brand"]
    )
    assert pdf.content.startswith(b"%PDF-")
    agent_approve = post(f"/api/v1/licenses/{lid}/approve", headers=h["agent"], json=sign_body)
    assert agent_approve.status_code == 403
    approved = post(
        f"/api/v1/licenses/{lid}/approve",
        headers=h["talent"],
        json={**sign_body, "sign_with_key": True},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    verified = client.get(f"/api/v1/consents/{consent_id}/verify", headers=h["brand"]).json()
    assert verified["ed25519_valid"] is True and verified["document_intact"] is True

    # Decisions.
    allow = post("/api/v1/decide", headers=h["brand"], json=use(world))
    assert allow.status_code == 200
    body = allow.json()
    assert body["allow"] is True and body["license_id"] == lid
    assert body["fees"][0]["amount_minor"] == 1_000
    deny = post("/api/v1/decide", headers=h["brand"], json=use(world, channel="tiktok"))
    assert deny.json()["decision"] == "deny"
    assert [r["code"] for r in deny.json()["reasons"]] == ["channel.not_licensed"]
    other = post(
        "/api/v1/decide", headers=h["other_brand"], json=use(world, brand_id=world.brand.id)
    )
    assert other.status_code == 403

    # Revocation by the talent; the brand reads the notice.
    revoked = post(
        f"/api/v1/consents/{consent_id}/revoke", headers=h["talent"], json={"reason": "done"}
    )
    assert revoked.json()["status"] == "revoked"
    after = post("/api/v1/decide", headers=h["brand"], json=use(world)).json()
    codes = {r["code"] for r in after["reasons"]}
    assert after["allow"] is False and {"license.revoked", "consent.revoked"} <= codes
    notes = client.get("/api/v1/notifications", headers=h["brand"], params={"unread": True}).json()
    kinds = [n["kind"] for n in notes]
    assert "license.revoked" in kinds
    revoked_note = notes[kinds.index("license.revoked")]
    assert revoked_note["payload"]["remove_released_by"]
    read = post(f"/api/v1/notifications/{revoked_note['id']}/read", headers=h["brand"])
    assert read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications", headers=h["other_brand"]).json() == []
    # issue 20: talent read their own inbox there now (no brand's rights notification)
    talent_notes = client.get("/api/v1/notifications", headers=h["talent"])
    assert talent_notes.status_code == 200
    assert all(n["brand_id"] is None for n in talent_notes.json())


def test_limits_and_lists_over_http(
    client: TestClient, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, h = parties
    url = f"/api/v1/talents/{world.talent.id}/limits"
    put = client.put(url, headers=h["talent"], json={"categories": ["alcohol", "gambling"]})
    assert put.json()["categories"] == ["alcohol", "gambling"]
    assert client.put(url, headers=h["agent"], json={"categories": []}).status_code == 403
    assert client.get(url, headers=h["brand"]).json()["categories"] == ["alcohol", "gambling"]
    request = client.post(
        "/api/v1/licenses",
        headers=h["brand"],
        json={
            "talent_id": world.talent.id,
            "brand_id": world.brand.id,
            "terms": terms(categories=["alcohol"]),
        },
    )
    assert request.status_code == 422
    assert "never allows" in request.json()["detail"]
    bad_terms = client.post(
        "/api/v1/licenses",
        headers=h["brand"],
        json={
            "talent_id": world.talent.id,
            "brand_id": world.brand.id,
            "terms": terms(commission_bps=2_500),
        },
    )
    assert bad_terms.status_code == 422
    assert client.get("/api/v1/licenses", headers=h["stranger_agent"]).json() == []
    assert client.get("/api/v1/consents", headers=h["other_talent"]).json() == []
