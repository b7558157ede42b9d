"""Captures and twins over HTTP: upload, QC, build with consent, role checks, shred."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from e2e.http_support import bearer
from e2e.test_api_foundation import operator_token
from integration.test_license_support import World, sign_creation_consent
from likeness.api.app import create_app
from likeness.capture.synthetic import RigConfig, write_capture
from likeness.kit.db import Database
from likeness.runtime import Runtime


@pytest.fixture(scope="module")
def capture_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("cap") / "s"
    write_capture(folder, seed=3, config=RigConfig(size=256, lights=16, shadow_resolution=128))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(Path(folder).rglob("*")):
            zf.write(f, f.relative_to(folder))
    return buf.getvalue()


def test_capture_and_twin_over_http(
    client: TestClient,
    db: Database,
    parties: tuple[World, dict[str, dict[str, str]]],
    capture_zip: bytes,
) -> None:
    world, h = parties
    files = {"archive": ("capture.zip", capture_zip, "application/zip")}
    form = {"talent_id": world.talent.id}
    denied = client.post("/api/v1/captures", data=form, files=files, headers=h["brand"])
    assert denied.status_code == 403 and denied.json()["error"] == "Forbidden"
    no_consent = client.post("/api/v1/captures", data=form, files=files, headers=h["talent"])
    assert no_consent.status_code == 403, no_consent.text
    assert no_consent.json()["error"] == "CaptureConsentRequired"
    assert "no signed creation consent in force" in no_consent.json()["detail"]
    with db.unit_of_work() as session:
        sign_creation_consent(session, world, activities=("capture",))
    junk = {"archive": ("my shoot.zip", b"not a zip at all", "application/zip")}
    refused = client.post("/api/v1/captures", data=form, files=junk, headers=h["talent"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == "my shoot.zip: not a folder or a zip archive"
    created = client.post("/api/v1/captures", data=form, files=files, headers=h["talent"])
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert created.json()["lights"] == 16
    for who in ("agent", "brand", "other_talent"):
        assert client.get(f"/api/v1/captures/{sid}", headers=h[who]).status_code == 403
    qc = client.post(f"/api/v1/captures/{sid}/qc", headers=h["talent"])
    assert qc.status_code == 200 and qc.json()["passed"] is True, qc.text
    override = client.post(
        f"/api/v1/captures/{sid}/override", json={"reason": "x" * 20}, headers=h["talent"]
    )
    assert override.status_code == 403

    body = {"talent_id": world.talent.id, "session_id": sid}
    no_consent = client.post("/api/v1/twins", json=body, headers=h["talent"])
    assert no_consent.status_code == 403 and "does not allow 'build'" in no_consent.json()["detail"]
    with db.unit_of_work() as session:
        sign_creation_consent(session, world)
    built = client.post("/api/v1/twins", json=body, headers=h["talent"])
    assert built.status_code == 201, built.text
    twin_id = built.json()["twin_id"]
    shown = client.get(f"/api/v1/twins/{twin_id}", headers=h["talent"])
    assert shown.status_code == 200 and shown.json()["versions"][0]["views"] == 3
    assert client.get(f"/api/v1/twins/{twin_id}", headers=h["brand"]).status_code == 403
    assert client.get("/api/v1/twins", headers=h["brand"]).status_code == 403
    listed = client.get("/api/v1/twins", headers=h["talent"]).json()
    assert [t["id"] for t in listed] == [twin_id]

    retired = client.post(
        f"/api/v1/twins/{twin_id}/retire", json={"reason": "delete me"}, headers=h["talent"]
    )
    assert retired.status_code == 200 and retired.json()["status"] == "deleted"
    assert retired.json()["versions"][0]["status"] == "shredded"


def test_an_operator_override_and_a_deep_manifest_over_http(
    client: TestClient,
    db: Database,
    parties: tuple[World, dict[str, dict[str, str]]],
    capture_zip: bytes,
) -> None:
    world, h = parties
    operator = bearer(operator_token(db))
    files = {"archive": ("capture.zip", capture_zip, "application/zip")}
    reason = "paper consent signed at the studio; scan follows"
    form = {"talent_id": world.talent.id, "override_reason": reason}
    talent = client.post("/api/v1/captures", data=form, files=files, headers=h["talent"])
    assert talent.status_code == 403 and "only an operator" in talent.json()["detail"]
    short = {**form, "override_reason": "short"}
    refused = client.post("/api/v1/captures", data=short, files=files, headers=operator)
    assert refused.status_code == 422, refused.text
    created = client.post("/api/v1/captures", data=form, files=files, headers=operator)
    assert created.status_code == 201, created.text
    events = client.get(
        "/api/v1/audit/events", params={"action": "capture.consent_override"}, headers=operator
    )
    assert events.status_code == 200, events.text
    assert [e["payload"]["reason"] for e in events.json()] == [reason]

    deep = io.BytesIO()
    with zipfile.ZipFile(deep, "w") as zf:
        zf.writestr("capture.json", "[" * 5000)
    files = {"archive": ("deep.zip", deep.getvalue(), "application/zip")}
    answer = client.post("/api/v1/captures", data=form, files=files, headers=operator)
    assert answer.status_code == 422, answer.text
    assert answer.json() == {
        "error": "ManifestInvalid",
        "detail": "capture.json nests lists or objects deeper than 64 levels",
    }


def test_reference_photo_over_http(
    client: TestClient,
    parties: tuple[World, dict[str, dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reference_photos import portrait_png

    world, h = parties
    url = f"/api/v1/talents/{world.talent.id}/reference"
    photo = {"photo": ("me.png", portrait_png(0), "image/png")}
    assert client.get(url, headers=h["talent"]).status_code == 404
    for who in ("agent", "brand", "other_talent"):
        assert client.put(url, files=photo, headers=h[who]).status_code == 403
    stored = client.put(url, files=photo, headers=h["talent"])
    assert stored.status_code == 200, stored.text
    assert stored.json()["face_width"] >= 80 and "template" not in stored.json()
    shown = client.get(url, headers=h["talent"])
    assert shown.status_code == 200 and shown.json() == stored.json()
    assert client.get(url, headers=h["brand"]).status_code == 403

    junk = client.put(url, files={"photo": ("x.png", b"junk", "image/png")}, headers=h["talent"])
    assert junk.status_code == 422 and "not a JPEG, PNG, TIFF or EXR" in junk.json()["detail"]
    assert client.get(url, headers=h["talent"]).json() == stored.json(), "nothing lost"
    from likeness.capture import endpoints
    from likeness.capture.images import CaptureLimits

    monkeypatch.setattr(endpoints, "REFERENCE_LIMITS", CaptureLimits(max_file_bytes=1000))
    big = client.put(url, files=photo, headers=h["talent"])
    assert big.status_code == 413 and "1000-byte limit" in big.json()["detail"]
    monkeypatch.undo()

    assert client.delete(url, headers=h["brand"]).status_code == 403
    assert client.delete(url, headers=h["talent"]).status_code == 204
    assert client.get(url, headers=h["talent"]).status_code == 404
    assert client.delete(url, headers=h["talent"]).status_code == 404


def test_an_oversized_upload_is_refused_before_auth_or_parsing(
    runtime: Runtime, capture_zip: bytes
) -> None:
    # Nothing is spooled to disk for a body over the limit, even from an anonymous client.
    small = replace_settings(runtime, max_upload_bytes=len(capture_zip) // 2)
    with TestClient(create_app(runtime=small)) as anonymous:
        files = {"archive": ("capture.zip", capture_zip, "application/zip")}
        answer = anonymous.post("/api/v1/captures", data={"talent_id": "t"}, files=files)
        assert answer.status_code == 413 and answer.json()["error"] == "RequestTooLarge"
        unauthenticated = anonymous.post(
            "/api/v1/captures", data={"talent_id": "t"}, files={"archive": ("c.zip", b"zip")}
        )
        assert unauthenticated.status_code == 401  # under the limit: auth decides as usual
        photo = {"photo": ("p.jpg", b"\xff" * (42 * 1024**2), "image/jpeg")}
        assert anonymous.put("/api/v1/talents/t/reference", files=photo).status_code == 413
        assert (
            anonymous.post("/api/v1/auth/login", content=b"{" * (11 * 1024**2)).status_code == 413
        )


def replace_settings(runtime: Runtime, **changes: object) -> Runtime:
    settings = runtime.settings.model_copy(update=changes)
    return Runtime(settings=settings, db=runtime.db, blobs=runtime.blobs)


def test_an_operator_s_look_over_http_needs_a_reason(
    client: TestClient, db: Database, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    """Issue 20: 422 with a clear message without a reason; the reason goes on the record."""
    world, h = parties
    operator = bearer(operator_token(db))
    talent = {"talent_id": world.talent.id}
    for path in ("/api/v1/twins", "/api/v1/captures"):
        bare = client.get(path, params=talent, headers=operator)
        assert bare.status_code == 422, bare.text
        assert bare.json()["error"] == "LookReasonRequired"
        assert "reason kind (support_request" in bare.json()["detail"]
    short = client.get(
        "/api/v1/twins", params={**talent, "reason_kind": "incident", "reason": "oops"},
        headers=operator,
    )  # fmt: skip
    assert short.status_code == 422 and short.json()["error"] == "InvalidLookReason"
    assert "10 to 500 characters" in short.json()["detail"]
    unknown = client.get(
        "/api/v1/twins", params={**talent, "reason_kind": "curious", "reason": "x" * 20},
        headers=operator,
    )  # fmt: skip
    assert unknown.status_code == 422
    why = {"reason_kind": "legal_request", "reason": "court order 12/2026 asks for the list"}
    assert client.get("/api/v1/twins", params={**talent, **why}, headers=operator).json() == []
    assert client.get("/api/v1/twins/nope", params=why, headers=operator).status_code == 404
    events = client.get(
        "/api/v1/audit/events", params={"action": "twin.operator_list"}, headers=operator
    ).json()
    assert [e["payload"] for e in events] == [why]
    # the talent looks at her own data without a reason
    assert client.get("/api/v1/twins", headers=h["talent"]).status_code == 200
    assert client.get("/api/v1/captures", params=talent, headers=h["talent"]).status_code == 200
