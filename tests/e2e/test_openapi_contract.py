"""The OpenAPI description tells the truth about the API.

Schemathesis reads ``/openapi.json`` from the app (in process, no network) and sends every
operation a bounded number of generated requests, as each role and anonymously, against a
database seeded with parties of every role and licenses in several states. Every answer
must be no server error, carry a documented status and content type, and match the
documented schema. CI replays a fixed set of examples (``--hypothesis-profile=ci``, see
tests/conftest.py); local runs explore new ones.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

import factories
from conftest import TEST_AUDIT_KEY, TEST_SECRET, reset_database
from integration.test_license_support import make_world, sign_creation_consent, to_status
from likeness.api.app import create_app
from likeness.kit.db import Database
from likeness.models.consent import Consent, RightsNotification
from likeness.models.party import Role
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.storage import MemoryBlobStore

#: Generated requests per operation and role: enough to reach every documented answer
#: of the seeded objects, small enough for the whole run to stay near a minute.
MAX_EXAMPLES = 10
ROLES = ("operator", "talent", "agent", "brand", "anonymous")
#: The seeded objects a path parameter may name, and how many of each there are.
SEEDED = {
    "talent_id": 1,
    "brand_id": 1,
    "agency_id": 1,
    "license_id": 2,
    "consent_id": 2,
    "notification_id": 1,
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Seeded:
    app: FastAPI
    headers: dict[str, dict[str, str]]
    ids: dict[str, list[str]]


@pytest.fixture(scope="module")
def seeded(
    database: Database, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """One talent, agency, brand and operator with bearer tokens, and objects they share:
    a signed creation consent, licenses requested and active (with its use consent and the
    brand's notification)."""
    home = tmp_path_factory.mktemp("contract") / "home"
    runtime = Runtime(
        settings=Settings(home=home, database_url=database_url, secret_key=TEST_SECRET),
        db=database,
        blobs=MemoryBlobStore(),
    )
    with database.unit_of_work() as session:
        world = make_world(session)
        operator = factories.create_user(session, Role.operator)
        creation = sign_creation_consent(session, world)
        requested = to_status(session, world, "requested")
        active = to_status(session, world, "active", channels=["web"], per_use_fees_minor={})
        users = {
            "operator": operator,
            "talent": world.talent_user,
            "agent": world.agent_user,
            "brand": world.brand_user,
        }
        headers = {
            role: {"Authorization": f"Bearer {factories.token_for(session, user)}"}
            for role, user in users.items()
        }
        ids: dict[str, list[str]] = {
            "talent_id": [world.talent.id],
            "brand_id": [world.brand.id],
            "agency_id": [world.agency.id],
            "license_id": [requested.id, active.id],
            "consent_id": [
                creation,
                *session.scalars(select(Consent.id).where(Consent.license_id == active.id)),
            ],
            "notification_id": list(session.scalars(select(RightsNotification.id))),
        }
    headers["anonymous"] = {}
    assert {name: len(found) for name, found in ids.items()} == SEEDED
    try:
        yield Seeded(create_app(runtime=runtime), headers, ids)
    finally:
        reset_database(database)


def _description() -> dict[str, Any]:
    """The description as the app serves it (it does not depend on the database)."""
    settings = Settings(
        home=Path(tempfile.gettempdir()) / "likeness-contract-unused",
        database_url="sqlite://",
        secret_key=TEST_SECRET,
    )
    db = Database(settings.database_url, audit_key=TEST_AUDIT_KEY)
    try:
        runtime = Runtime(settings=settings, db=db, blobs=MemoryBlobStore())
        return create_app(runtime=runtime).openapi()
    finally:
        db.dispose()


def _seeded_marker(name: str, index: int) -> str:
    return f"seeded-{name}-{index}"  # nothing in it needs URL-encoding in a path


# Path parameters name a seeded object most of the time and a generated one otherwise, so
# both the answers about real objects and the "not found" ones are exercised. The objects
# exist only once the test runs, so the description names markers that the test replaces.
schema = schemathesis.openapi.from_dict(
    _description(),
    config=schemathesis.Config.from_dict(
        {
            "dictionaries": {
                name: {"values": [_seeded_marker(name, i) for i in range(count)]}
                for name, count in SEEDED.items()
            },
            "parameters": {
                f"path.{name}": {"dictionary": name, "probability": 0.75} for name in SEEDED
            },
        }
    ),
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, seeded: Seeded) -> None:
    for name, value in list(case.path_parameters.items()):
        if isinstance(value, str) and value.startswith("seeded-"):  # see _seeded_marker
            _, kind, index = value.split("-")
            case.path_parameters[name] = seeded.ids[kind][int(index)]
    assert "seeded" not in str(case.path_parameters), "a marker was not replaced"
    for role in ROLES:
        case.call_and_validate(app=seeded.app, headers=seeded.headers[role], checks=CHECKS)
