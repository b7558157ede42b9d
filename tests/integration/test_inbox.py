"""The notification inbox of talent and agents against a real database: what each is told,
in the transaction of the change, read/unread per user, nobody else's."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.test_license_support import (
    World,
    intent,
    sign_creation_consent,
    terms_in,
    to_status,
)
from likeness.errors import NotFound
from likeness.inbox import service as inbox
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TermsChangeIn, TransitionIn
from likeness.models.audit import AuditEvent
from likeness.models.inbox import Notification


def kinds(session: Session, world: World, who: str) -> list[str]:
    return [n.kind for n in inbox.list_for(session, world.actor(session, who))]


def test_a_license_request_and_a_counter_offer_wait_for_the_agent_and_the_talent(
    session: Session, world: World
) -> None:
    lic = to_status(session, world, "requested")
    assert kinds(session, world, "agent") == ["license.awaiting_answer"]
    assert kinds(session, world, "talent") == ["license.awaiting_answer"]
    (told,) = inbox.list_for(session, world.actor(session, "agent"))
    assert world.brand.name in told.message and told.object_id == lic.id
    assert kinds(session, world, "stranger_agent") == []  # not their talent
    assert kinds(session, world, "brand") == []  # who made the change knows it
    licensing.propose(
        session, world.actor(session, "agent"), lic.id, TermsChangeIn(terms=terms_in())
    )
    licensing.counter(
        session, world.actor(session, "brand"), lic.id, TermsChangeIn(terms=terms_in())
    )
    assert kinds(session, world, "agent") == ["license.countered", "license.awaiting_answer"]
    # written in the same transaction as the event it announces
    seqs = session.scalars(
        select(AuditEvent.seq).where(AuditEvent.action == "license.countered")
    ).all()
    rows = session.scalars(select(Notification).where(Notification.kind == "license.countered"))
    assert {n.event_seq for n in rows} == set(seqs)


def test_consents_tell_the_talent_to_sign_and_the_agent_when_signed(
    session: Session, world: World
) -> None:
    sign_creation_consent(session, world)
    assert kinds(session, world, "talent") == ["consent.awaiting_signature"]
    assert inbox.unread_count(session, world.actor(session, "talent")) == 0  # signed: settled
    assert kinds(session, world, "agent") == ["consent.signed"]
    (signed,) = inbox.list_for(session, world.actor(session, "agent"))
    assert world.talent.legal_name in signed.message or (world.talent.stage_name or "") in (
        signed.message
    )


def test_read_and_unread_belong_to_each_recipient(session: Session, world: World) -> None:
    to_status(session, world, "requested")
    to_status(session, world, "requested")
    agent, talent = world.actor(session, "agent"), world.actor(session, "talent")
    assert inbox.unread_count(session, agent) == 2 and inbox.unread_count(session, talent) == 2
    first = inbox.list_for(session, agent)[0]
    with pytest.raises(NotFound):
        inbox.mark_read(session, talent, first.id)  # the talent's own copy is another row
    with pytest.raises(NotFound):
        inbox.mark_read(session, world.actor(session, "stranger_agent"), first.id)
    inbox.mark_read(session, agent, first.id)
    assert inbox.unread_count(session, agent) == 1 and inbox.unread_count(session, talent) == 2
    assert [n.id for n in inbox.list_for(session, agent, unread_only=True)] != [first.id]
    assert inbox.mark_all_read(session, talent) == 2
    assert inbox.unread_count(session, talent) == 0 and inbox.unread_count(session, agent) == 1
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("notification.%"))
    ).all()
    assert sorted(actions) == ["notification.read", "notification.read_all"]


def test_a_license_answered_or_approved_settles_what_waited_for_it(
    session: Session, world: World
) -> None:
    lic = to_status(session, world, "requested")
    agent, talent = world.actor(session, "agent"), world.actor(session, "talent")
    assert inbox.unread_count(session, agent) == 1
    licensing.propose(session, agent, lic.id, TermsChangeIn(terms=terms_in()))
    assert inbox.unread_count(session, agent) == 0  # the request was answered
    assert inbox.unread_count(session, talent) == 0
    licensing.counter(
        session, world.actor(session, "brand"), lic.id, TermsChangeIn(terms=terms_in())
    )
    assert inbox.unread_count(session, agent) == 1  # the counter-offer waits
    licensing.propose(session, agent, lic.id, TermsChangeIn(terms=terms_in()))
    assert inbox.unread_count(session, talent) == 0
    licensing.accept(session, world.actor(session, "brand"), lic.id, TransitionIn())
    (waiting,) = [
        n
        for n in inbox.list_for(session, talent)
        if n.kind == "license.awaiting_approval" and n.read_at is None
    ]
    assert "awaits your approval" in waiting.message
    (told,) = [n for n in inbox.list_for(session, agent) if n.kind == "license.awaiting_approval"]
    assert "awaits the talent's approval" in told.message
    licensing.approve(session, talent, lic.id, intent(), None)
    assert inbox.unread_count(session, talent) == 0  # approved: nothing waits any more
