"""Which license: a use names its license on the command line and over HTTP, and two
licenses that would each cover it are never chosen between (decision 0019)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from e2e.cli_support import as_, run
from integration.test_license_support import World, sign_creation_consent, to_status
from likeness.kit.db import Database


def _two_campaigns(db: Database, world: World) -> tuple[str, str]:
    """Two active licenses of the same brand that both cover instagram/FR/fashion."""
    with db.unit_of_work() as session:
        sign_creation_consent(session, world)
        first = to_status(session, world, "active").id
        second = to_status(session, world, "active").id
    return first, second


def _decide(world: World, *extra: str) -> tuple[int, str]:
    return run(
        "decide", "--twin", world.talent.id, "--brand", world.brand.id, "--action", "publish",
        "--channel", "instagram", "--territory", "FR", "--category", "fashion",
        *extra, *as_(world, "brand"),
    )  # fmt: skip


def test_decide_on_the_command_line_names_its_license(world: World, db: Database) -> None:
    first, second = _two_campaigns(db, world)

    code, out = _decide(world, "--json")
    assert code == 3, out
    ambiguous = json.loads(out)
    assert [r["code"] for r in ambiguous["reasons"]] == ["license.ambiguous"]
    assert set(ambiguous["candidate_license_ids"]) == {first, second}
    code, out = _decide(world)
    assert code == 3 and "license.ambiguous" in out
    assert f"candidate license: {first}" in out and f"candidate license: {second}" in out

    for lid in (first, second):
        code, out = _decide(world, "--license", lid[:8], "--json")  # a unique prefix will do
        assert code == 0, out
        allowed = json.loads(out)
        assert allowed["license_id"] == lid and allowed["use"]["license_id"] == lid

    code, out = _decide(world, "--license", "f" * 32)
    assert code == 1
    assert out.strip() == (
        f"error: brand {world.brand.id} holds no license {'f' * 32} for talent "
        f"{world.talent.id} (LicenseNotFound)"
    )


def test_decide_over_http_names_its_license(
    client: TestClient, parties: tuple[World, dict[str, dict[str, str]]], db: Database
) -> None:
    world, headers = parties
    first, second = _two_campaigns(db, world)

    def decide(**changes: Any) -> Any:
        body = {
            "twin": world.talent.id,
            "brand_id": world.brand.id,
            "action": "publish",
            "channel": "instagram",
            "territory": "FR",
            "category": "fashion",
            **changes,
        }
        return client.post("/api/v1/decide", headers=headers["brand"], json=body)

    ambiguous = decide()
    assert ambiguous.status_code == 200
    assert ambiguous.json()["decision"] == "deny"
    assert [r["code"] for r in ambiguous.json()["reasons"]] == ["license.ambiguous"]
    assert set(ambiguous.json()["candidate_license_ids"]) == {first, second}
    named = decide(license_id=second)
    assert named.status_code == 200
    assert named.json()["allow"] is True and named.json()["license_id"] == second
    assert named.json()["candidate_license_ids"] == []

    unknown = decide(license_id="f" * 32)
    assert unknown.status_code == 404
    assert unknown.json() == {
        "error": "LicenseNotFound",
        "detail": f"brand {world.brand.id} holds no license {'f' * 32} "
        f"for talent {world.talent.id}",
    }
    assert decide(license_id="").status_code == 422
    # Another brand may not even ask about this brand's license.
    other = client.post(
        "/api/v1/decide",
        headers=headers["other_brand"],
        json={"twin": world.talent.id, "brand_id": world.brand.id, "action": "publish",
              "channel": "instagram", "license_id": first},
    )  # fmt: skip
    assert other.status_code == 403
