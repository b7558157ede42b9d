"""The public verify page over HTTP: the verdict of `likeness verify`, nothing private."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from e2e.portal.conftest import Visitors
from integration import asset_support
from likeness.kit.db import Database
from likeness.models.asset import AssetKind
from likeness.models.party import TalentProfile
from likeness.portal.verify import MAX_UPLOAD_BYTES
from likeness.runtime import Runtime


@pytest.fixture
def released(visitors: Visitors, runtime: Runtime, db: Database) -> dict[str, str]:
    with db.unit_of_work() as session:
        rel = asset_support.licensed(session, visitors.world, runtime.storage)
        brand = visitors.world.actor(session, "brand")
        asset = asset_support.register(session, brand, runtime.storage, rel)
        preview = asset_support.register(
            session, brand, runtime.storage, rel, kind=AssetKind.preview
        )
        return {
            "asset": asset.id,
            "preview": preview.id,
            "license": rel.license.id,
            "brand": visitors.world.brand.id,
            "brand_name": visitors.world.brand.name,
            "talent": visitors.world.talent.id,
        }


def _set_stage_name(db: Database, talent_id: str, name: str | None) -> None:
    with db.unit_of_work() as session:
        talent = session.get(TalentProfile, talent_id)
        assert talent is not None
        talent.stage_name = name


def _nothing_private(text: str, released: dict[str, str], legal_name: str) -> None:
    for private in ("license", "brand", "brand_name", "talent"):
        assert released[private] not in text, private
    assert legal_name not in text


def test_an_asset_id_gives_the_public_verdict(
    visitors: Visitors, released: dict[str, str], db: Database
) -> None:
    client: TestClient = visitors["anonymous"]
    legal = visitors.world.talent.legal_name
    page = client.get(f"/verify?asset={released['asset']}")
    assert page.status_code == 200
    assert "Authorised Likeness release" in page.text
    assert "<dt>AI-generated</dt><dd>Yes</dd>" in page.text
    assert "<dt>Talent</dt><dd>Not published</dd>" in page.text  # no stage name chosen
    _nothing_private(page.text, released, legal)
    _set_stage_name(db, released["talent"], "Ada O.")
    named = client.get(f"/verify?asset={released['asset'][:16]}")  # the 16-hex mark works too
    assert "<dt>Talent</dt><dd>Ada O.</dd>" in named.text
    _nothing_private(named.text, released, legal)


def test_a_preview_is_not_an_authorised_release(
    visitors: Visitors, released: dict[str, str]
) -> None:
    page = visitors["anonymous"].get(f"/verify?asset={released['preview']}")
    assert "Not an authorised Likeness release" in page.text
    assert "PREVIEW" in page.text


def test_unknown_and_malformed_ids(visitors: Visitors) -> None:
    client = visitors["anonymous"]
    unknown = client.get("/verify?asset=" + "ab" * 16)
    assert unknown.status_code == 200
    assert "Not a registered Likeness asset" in unknown.text
    bad = client.get("/verify?asset=not-an-id")
    assert bad.status_code == 422
    assert 'id="f-asset-error"' in bad.text
    assert 'value="not-an-id"' in bad.text  # kept


def test_uploads_say_what_is_wrong(visitors: Visitors) -> None:
    client = visitors["anonymous"]
    empty = client.post("/verify", files={"image": ("x.jpg", b"", "image/jpeg")})
    assert empty.status_code == 422
    assert 'id="f-image-error"' in empty.text
    text = client.post("/verify", files={"image": ("notes.txt", b"hello", "text/plain")})
    assert text.status_code == 200
    assert "not a JPEG, PNG or WebP image" in text.text
    assert "Not an authorised Likeness release" in text.text
    plain = client.post("/verify", files={"image": ("p.png", asset_support.png(3), "image/png")})
    assert "NOT VERIFIED: no Content Credentials" in plain.text
    too_big = client.post(
        "/verify", files={"image": ("big.jpg", b"\xff" * (MAX_UPLOAD_BYTES + 2 * 1024**2))}
    )
    assert too_big.status_code == 413
