"""The rights core finds a twin's talent from the twins table, before any license names it."""

from __future__ import annotations

from sqlalchemy.orm import Session

import factories
from likeness.licensing import repository
from likeness.models.twin import Twin


def test_a_fresh_twin_resolves_to_its_talent(session: Session) -> None:
    talent = factories.create_talent(session)
    twin = Twin(talent_id=talent.id, status="active", latest_version=1)
    session.add(twin)
    session.flush()
    assert repository.twin_owner(session, twin.id) == talent.id
    assert repository.twin_owner(session, "0" * 32) is None
