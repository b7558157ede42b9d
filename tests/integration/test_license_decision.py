"""Deciding a use from the database: what a decision reads, and what it does not re-read."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from integration.test_license_support import World, sign_creation_consent, to_status
from likeness.consent.document import ConsentDocument
from likeness.licensing import decision
from likeness.licensing.schemas import UseIn
from likeness.policy import reasons


def _use(world: World, action: str) -> UseIn:
    return UseIn(
        twin=world.talent.id,
        brand_id=world.brand.id,
        action=action,
        channel="instagram",
        territory="FR",
        category="fashion",
    )


def test_repeated_decisions_parse_each_consent_document_at_most_once(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_creation_consent(session, world)
    to_status(session, world, "active")
    parsed: list[object] = []
    original = ConsentDocument.from_dict.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ConsentDocument], data: object) -> ConsentDocument:
        parsed.append(data)
        return original(cls, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(ConsentDocument, "from_dict", classmethod(counting))
    brand = world.actor(session, "brand")
    for _ in range(3):
        assert decision.decide_use(session, brand, _use(world, "generate")).allow
        assert decision.decide_use(session, brand, _use(world, "publish")).allow
    # The creation consent at most once (it may already be known), the use consent never.
    assert len(parsed) <= 1


def test_the_remembered_activities_still_follow_each_consent(
    session: Session, world: World
) -> None:
    # Remembered facts are per document: a consent that does not allow altering denies
    # generation, and signing a second one that does allows it at once.
    sign_creation_consent(session, world, activities=("capture", "build"))
    to_status(session, world, "active")
    brand = world.actor(session, "brand")
    denied = decision.decide_use(session, brand, _use(world, "generate"))
    assert denied.codes == {reasons.CREATION_CONSENT_NO_ALTER}
    sign_creation_consent(session, world)
    assert decision.decide_use(session, brand, _use(world, "generate")).allow
