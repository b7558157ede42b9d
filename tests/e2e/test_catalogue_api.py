"""The catalogue over HTTP: a talent opts in with a listing and a picture, a brand finds
them and requests a license from there; every other role gets the API's usual answers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from integration.test_catalogue import picture
from integration.test_license_support import World
from likeness.provenance import ensure_signing_material
from likeness.runtime import Runtime
from likeness.system.keys import ensure_key, platform_key_specs

Parties = tuple[World, dict[str, dict[str, str]]]

LISTING = {
    "public_name": "Ada O.",
    "bio": "Runway and e-commerce.",
    "channels": ["instagram", "web"],
    "categories": ["fashion"],
    "currency": "EUR",
    "rates_minor": {"instagram": 150000},
}


def _keys(runtime: Runtime) -> None:
    keys = runtime.settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    ensure_key(keys, next(s for s in platform_key_specs() if s.filename == "watermark.key"))
    ensure_signing_material(keys)


def test_a_brand_finds_an_opted_in_talent_and_requests_a_license(
    client: TestClient, runtime: Runtime, parties: Parties
) -> None:
    world, h = parties
    _keys(runtime)
    talent = world.talent.id
    assert client.get("/api/v1/catalogue", headers=h["brand"]).json() == []
    saved = client.put(f"/api/v1/catalogue/{talent}", json=LISTING, headers=h["talent"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["opted_in"] is True and saved.json()["preview"] is False
    uploaded = client.put(
        f"/api/v1/catalogue/{talent}/preview",
        files={"photo": ("me.png", picture(), "image/png")},
        headers=h["talent"],
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["preview"] is True
    found = client.get("/api/v1/catalogue?channel=instagram", headers=h["brand"])
    assert found.status_code == 200
    (entry,) = found.json()
    assert entry["talent_id"] == talent and entry["rates_minor"] == {"instagram": 150000}
    assert world.talent.legal_name not in found.text
    image = client.get(f"/api/v1/catalogue/{talent}/preview", headers=h["brand"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.headers["x-content-sha256"] == entry["preview_sha256"]
    # the brand requests a license with the listing's talent id and channels
    request = client.post(
        "/api/v1/licenses",
        json={
            "talent_id": entry["talent_id"],
            "brand_id": world.brand.id,
            "terms": {
                "channels": entry["channels"],
                "territories": ["FR"],
                "categories": entry["categories"],
                "starts_at": "2027-01-01T00:00:00Z",
                "ends_at": "2027-06-01T00:00:00Z",
                "max_outputs": 3,
                "per_use_fees_minor": entry["rates_minor"],
                "purpose": "Found in the catalogue",
            },
        },
        headers=h["brand"],
    )
    assert request.status_code == 201, request.text


def test_who_may_do_what_over_http(client: TestClient, runtime: Runtime, parties: Parties) -> None:
    world, h = parties
    talent = world.talent.id
    url = f"/api/v1/catalogue/{talent}"
    for who in ("agent", "brand", "other_talent", "stranger_agent"):
        refused = client.put(url, json=LISTING, headers=h[who])
        assert refused.status_code == 403, (who, refused.text)
        assert refused.json()["error"] == "Forbidden"
    for who in ("talent", "agent", "stranger_agent"):
        assert client.get("/api/v1/catalogue", headers=h[who]).status_code == 403
    assert client.get("/api/v1/catalogue").status_code == 401
    hidden = {**LISTING, "opted_in": False}
    assert client.put(url, json=hidden, headers=h["talent"]).status_code == 200
    assert client.get(url, headers=h["brand"]).status_code == 404
    assert client.get(url, headers=h["stranger_agent"]).status_code == 404
    assert client.get(url, headers=h["agent"]).json()["opted_in"] is False
    bad = client.put(url, json={**LISTING, "rates_minor": {"tv": 1}}, headers=h["talent"])
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidListing"
    assert "tv" in bad.json()["detail"]
    assert client.get(url, headers=h["talent"]).json()["rates_minor"] == {"instagram": 150000}
    not_image = client.put(
        f"{url}/preview", files={"photo": ("x.png", b"nope", "image/png")}, headers=h["talent"]
    )
    _keys(runtime)
    not_image = client.put(
        f"{url}/preview", files={"photo": ("x.png", b"nope", "image/png")}, headers=h["talent"]
    )
    assert not_image.status_code == 422 and not_image.json()["error"] == "ImageRejected"
    assert client.get(f"{url}/preview", headers=h["talent"]).status_code == 404
    assert client.delete(url, headers=h["agent"]).status_code == 403
    assert client.delete(url, headers=h["talent"]).status_code == 204
    assert client.get(url, headers=h["talent"]).status_code == 404
    assert client.delete(url, headers=h["talent"]).status_code == 404
