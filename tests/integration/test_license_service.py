"""License negotiation through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from integration.test_license_support import (
    World,
    intent,
    make_world,
    requested,
    sign_creation_consent,
    terms_in,
    to_status,
)
from likeness.audit import service as audit
from likeness.consent import service as consents
from likeness.consent.errors import IntentNotShown, SignerNotTalent
from likeness.errors import LikenessError, NotFound
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.licensing import decision, notifications
from likeness.licensing import service as licensing
from likeness.licensing.errors import (
    LicenseNotFound,
    LicenseNotRunning,
    QuotaExhausted,
    StaleLicense,
)
from likeness.licensing.schemas import LicenseRequestIn, TermsChangeIn, TransitionIn, UseIn
from likeness.models.audit import AuditEvent
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.models.party import Representation
from likeness.party import service as party
from likeness.party.schemas import AgencyCreate, RepresentationCreate
from likeness.policy import (
    ConsentStatus,
    ExclusivityConflict,
    IllegalTransition,
    InvalidTerms,
    LicenseAction,
    LicenseStatus,
    Relation,
    TransitionNotPermitted,
    reasons,
)


def _events(session: Session, object_id: str) -> list[str]:
    rows = session.execute(
        select(AuditEvent.action).where(AuditEvent.object_id == object_id).order_by(AuditEvent.seq)
    )
    return list(rows.scalars())


def test_the_happy_path_writes_an_audit_event_per_transition(
    session: Session, world: World
) -> None:
    lic = to_status(session, world, "suspended")
    licensing.resume(session, world.actor(session, "talent"), lic.id, TransitionIn())
    assert _events(session, lic.id) == [
        "license.requested",
        "license.proposed",
        "license.countered",
        "license.proposed",
        "license.accepted",
        "license.approved",
        "license.suspended",
        "license.resumed",
    ]
    session.refresh(lic)
    assert lic.status is LicenseStatus.active
    assert lic.version == 8
    assert lic.activated_at is not None
    assert audit.verify(session).ok


def test_commission_defaults_to_the_representing_agency_rate(
    session: Session, world: World
) -> None:
    lic = requested(session, world)
    assert lic.commission_bps == 1_500
    assert json.loads(lic.terms)["commission_bps"] == 1_500


def test_with_two_agencies_in_force_the_longest_standing_sets_the_default(
    session: Session, world: World
) -> None:
    newer = party.create_agency(
        session, SYSTEM_ACTOR, AgencyCreate(name="Newer Agency", commission_percent=5)
    )
    today = utcnow().date()
    party.create_representation(
        session,
        SYSTEM_ACTOR,
        RepresentationCreate(
            talent_id=world.talent.id,
            agency_id=newer.id,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=300),
        ),
    )
    for _ in range(3):  # not the luck of an unordered query
        assert requested(session, world).commission_bps == 1_500


def test_accept_drafts_the_use_consent_and_approve_signs_it(session: Session, world: World) -> None:
    lic = to_status(session, world, "accepted")
    consent = session.execute(select(Consent).where(Consent.license_id == lic.id)).scalar_one()
    assert consent.status is ConsentStatus.draft
    doc = json.loads(consent.document)
    assert doc["terms_sha256"] == lic.terms_sha256
    assert doc["brand"]["id"] == world.brand.id
    licensing.approve(session, world.actor(session, "talent"), lic.id, intent(), None)
    session.refresh(consent)
    assert consent.status is ConsentStatus.signed
    assert consent.signed_at is not None


@pytest.mark.parametrize("who", ["agent", "brand", "operator", "other_talent"])
def test_nobody_but_the_talent_approves(session: Session, world: World, who: str) -> None:
    lic = to_status(session, world, "accepted")
    with pytest.raises((TransitionNotPermitted, LicenseNotFound, SignerNotTalent)):
        licensing.approve(session, world.actor(session, who), lic.id, intent(), None)
    session.refresh(lic)
    assert lic.status is LicenseStatus.accepted


def test_approval_needs_the_typed_legal_name(session: Session, world: World) -> None:
    lic = to_status(session, world, "accepted")
    with pytest.raises(IntentNotShown):
        licensing.approve(
            session, world.actor(session, "talent"), lic.id, intent("A. Okafor"), None
        )


def test_a_brand_never_sees_or_acts_on_another_brands_license(
    session: Session, world: World
) -> None:
    lic = to_status(session, world, "proposed")
    other = world.actor(session, "other_brand")
    for act in (
        lambda: licensing.get_for(session, other, lic.id),
        lambda: licensing.accept(session, other, lic.id, TransitionIn()),
        lambda: licensing.counter(session, other, lic.id, TermsChangeIn(terms=terms_in())),
        lambda: licensing.withdraw(session, other, lic.id, TransitionIn()),
    ):
        with pytest.raises(LicenseNotFound):
            act()
    assert licensing.list_for(session, other) == []
    with pytest.raises(NotFound):  # another brand's id does not even exist for them
        licensing.request(
            session,
            other,
            LicenseRequestIn(talent_id=world.talent.id, brand_id=world.brand.id, terms=terms_in()),
        )


def test_an_agent_of_another_agency_is_a_stranger(session: Session, world: World) -> None:
    lic = to_status(session, world, "requested")
    with pytest.raises(LicenseNotFound):
        licensing.propose(
            session, world.actor(session, "stranger_agent"), lic.id, TermsChangeIn(terms=terms_in())
        )


def test_illegal_transitions_are_refused_with_a_clear_error(session: Session, world: World) -> None:
    lic = to_status(session, world, "requested")
    with pytest.raises(IllegalTransition, match="cannot accept a license that is requested"):
        licensing.accept(session, world.actor(session, "brand"), lic.id, TransitionIn())
    with pytest.raises(TransitionNotPermitted, match="only the brand may accept"):
        licensing.accept(session, world.actor(session, "agent"), lic.id, TransitionIn())


def test_invalid_or_forbidden_terms_are_refused(session: Session, world: World) -> None:
    lic = to_status(session, world, "requested")
    agent = world.actor(session, "agent")
    too_long = terms_in(ends_at=utcnow() + timedelta(days=366 * 10 + 5))
    with pytest.raises(InvalidTerms, match="10 years"):
        licensing.propose(session, agent, lic.id, TermsChangeIn(terms=too_long))
    from likeness.consent import service as consents
    from likeness.consent.schemas import StandingLimitsIn

    consents.set_limits(
        session,
        world.actor(session, "talent"),
        world.talent.id,
        StandingLimitsIn(categories=["lingerie"]),
    )
    with pytest.raises(InvalidTerms, match="never allows these categories: lingerie"):
        licensing.propose(
            session, agent, lic.id, TermsChangeIn(terms=terms_in(categories=["lingerie"]))
        )


def test_stale_version_is_refused(session: Session, world: World) -> None:
    lic = to_status(session, world, "proposed")
    with pytest.raises(StaleLicense, match="not 1"):
        licensing.accept(session, world.actor(session, "brand"), lic.id, TransitionIn(version=1))
    assert (
        licensing.accept(
            session, world.actor(session, "brand"), lic.id, TransitionIn(version=lic.version)
        ).status
        is LicenseStatus.accepted
    )


def test_compare_and_set_lets_only_one_writer_win(session: Session, world: World) -> None:
    lic = to_status(session, world, "proposed")
    from likeness.licensing import repository

    version = lic.version
    assert repository.compare_and_set(session, lic.id, version, {"status": LicenseStatus.accepted})
    assert not repository.compare_and_set(
        session, lic.id, version, {"status": LicenseStatus.countered}
    )
    session.refresh(lic)
    assert (lic.status, lic.version) == (LicenseStatus.accepted, version + 1)


def test_concurrent_transitions_on_one_license_cannot_both_win(db: Database) -> None:
    with db.unit_of_work() as session:
        world = make_world(session)
        lic_id = to_status(session, world, "proposed").id
        actor = world.actor(session, "brand")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(action: LicenseAction) -> None:
        try:
            barrier.wait(timeout=10)
            with db.unit_of_work() as s:
                if action is LicenseAction.accept:
                    licensing.accept(s, actor, lic_id, TransitionIn())
                else:
                    licensing.counter(s, actor, lic_id, TermsChangeIn(terms=terms_in()))
            outcomes.append(f"won:{action.value}")
        except LikenessError as exc:
            outcomes.append(f"lost:{exc.status_code}")
        except BaseException as exc:  # surfaced by the assertions below
            outcomes.append(f"crashed:{exc!r}")

    threads = [
        threading.Thread(target=attempt, args=(a,))
        for a in (LicenseAction.accept, LicenseAction.counter)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(o.split(":")[0] for o in outcomes) == ["lost", "won"], outcomes
    assert "lost:409" in outcomes, outcomes
    with db.unit_of_work() as s:
        row = s.get(License, lic_id)
        assert row is not None
        assert row.status in (LicenseStatus.accepted, LicenseStatus.countered)
        assert row.version == 3  # requested 1, proposed 2, one winner 3


def test_exclusivity_blocks_an_overlapping_grant(session: Session, world: World) -> None:
    to_status(session, world, "active", exclusive_categories=["fashion"])
    other = licensing.request(
        session,
        world.actor(session, "other_brand"),
        LicenseRequestIn(
            talent_id=world.talent.id, brand_id=world.other_brand.id, terms=terms_in()
        ),
    )
    with pytest.raises(ExclusivityConflict, match="exclusivity in fashion"):
        licensing.propose(
            session, world.actor(session, "agent"), other.id, TermsChangeIn(terms=terms_in())
        )
    beauty_only = terms_in(categories=["beauty"])
    assert (
        licensing.propose(
            session, world.actor(session, "agent"), other.id, TermsChangeIn(terms=beauty_only)
        ).status
        is LicenseStatus.proposed
    )


def test_revocation_by_the_talent_ends_the_license_and_notifies_the_brand(
    session: Session, world: World
) -> None:
    sign_creation_consent(session, world)
    lic = to_status(session, world, "active", takedown_days=10)
    licensing.revoke(
        session, world.actor(session, "talent"), lic.id, TransitionIn(reason="changed my mind")
    )
    session.refresh(lic)
    assert lic.status is LicenseStatus.revoked
    assert lic.ended_at is not None
    consent = session.execute(select(Consent).where(Consent.license_id == lic.id)).scalar_one()
    assert consent.status is ConsentStatus.revoked
    (note,) = notifications.list_for(session, world.actor(session, "brand"))[:1]
    assert note.kind == "license.revoked"
    payload = json.loads(note.payload)
    assert payload["reason"] == "changed my mind"
    assert payload["remove_released_by"] > payload["effective_at"]
    assert notifications.list_for(session, world.actor(session, "other_brand")) == []
    use = UseIn(
        twin=world.talent.id,
        brand_id=world.brand.id,
        action="publish",
        channel="instagram",
        territory="FR",
        category="fashion",
    )
    result = decision.decide_use(session, world.actor(session, "brand"), use)
    assert not result.allow
    assert {reasons.LICENSE_REVOKED, reasons.CONSENT_REVOKED} <= result.codes


def test_operator_revocation_keeps_the_consent_signed(session: Session, world: World) -> None:
    lic = to_status(session, world, "active")
    licensing.revoke(
        session, world.actor(session, "operator"), lic.id, TransitionIn(reason="court order")
    )
    consent = session.execute(select(Consent).where(Consent.license_id == lic.id)).scalar_one()
    assert consent.status is ConsentStatus.signed


def test_expire_due_sweeps_only_ended_licenses(session: Session, world: World) -> None:
    lic = to_status(session, world, "active")
    from likeness.identity.actor import SYSTEM_ACTOR

    assert licensing.expire_due(session, SYSTEM_ACTOR, utcnow()) == []
    ended = licensing.expire_due(session, SYSTEM_ACTOR, utcnow() + timedelta(days=400))
    assert [x.id for x in ended] == [lic.id]
    session.refresh(lic)
    assert lic.status is LicenseStatus.expired
    assert _events(session, lic.id)[-1] == "license.expired"


def test_release_quota_is_counted_and_enforced(session: Session, world: World) -> None:
    lic = to_status(session, world, "active", max_outputs=2)
    brand = world.actor(session, "brand")
    licensing.record_release(session, brand, lic.id)
    licensing.record_release(session, brand, lic.id)
    with pytest.raises(QuotaExhausted):
        licensing.record_release(session, brand, lic.id)
    session.refresh(lic)
    assert lic.released_count == 2


def _behind_the_back(session: Session, lic: License, **values: object) -> None:
    """Another worker's committed change: the row moves, this session's copy does not."""
    session.execute(
        update(License)
        .where(License.id == lic.id)
        .values(version=License.version + 1, **values)
        .execution_options(synchronize_session=False)
    )


def test_a_release_counted_meanwhile_does_not_fail_this_one(session: Session, world: World) -> None:
    lic = to_status(session, world, "active", max_outputs=5)
    brand = world.actor(session, "brand")
    _behind_the_back(session, lic, released_count=License.released_count + 1)
    assert lic.released_count == 0  # the copy this session holds is stale
    counted = licensing.record_release(session, brand, lic.id)
    assert counted.released_count == 2


def test_a_license_filled_or_stopped_meanwhile_says_which(session: Session, world: World) -> None:
    brand = world.actor(session, "brand")
    full = to_status(session, world, "active", max_outputs=1)
    _behind_the_back(session, full, released_count=1)
    with pytest.raises(QuotaExhausted):
        licensing.record_release(session, brand, full.id)
    stopped = to_status(session, world, "active", max_outputs=5)
    _behind_the_back(session, stopped, status=LicenseStatus.suspended)
    with pytest.raises(LicenseNotRunning, match="suspended"):
        licensing.record_release(session, brand, stopped.id)
    session.refresh(stopped)
    assert stopped.released_count == 0


def test_nothing_is_released_under_a_license_that_does_not_run_now(
    session: Session, world: World
) -> None:
    brand = world.actor(session, "brand")
    suspended = to_status(session, world, "suspended")
    with pytest.raises(LicenseNotRunning, match="suspended"):
        licensing.record_release(session, brand, suspended.id)
    later = utcnow() + timedelta(days=10)
    not_yet = to_status(
        session, world, "active", starts_at=later, ends_at=later + timedelta(days=30)
    )
    with pytest.raises(LicenseNotRunning, match="outside that term"):
        licensing.record_release(session, brand, not_yet.id)
    for lic in (suspended, not_yet):
        session.refresh(lic)
        assert lic.released_count == 0


def test_withdraw_by_the_talent_side_notifies_the_brand(session: Session, world: World) -> None:
    lic = to_status(session, world, "proposed")
    licensing.withdraw(session, world.actor(session, "agent"), lic.id, TransitionIn(reason="no"))
    kinds = [n.kind for n in notifications.list_for(session, world.actor(session, "brand"))]
    assert kinds == ["license.withdrawn"]
    with pytest.raises(IllegalTransition):
        licensing.propose(
            session, world.actor(session, "agent"), lic.id, TermsChangeIn(terms=terms_in())
        )


def test_lists_are_scoped_to_each_party(session: Session, world: World) -> None:
    lic = to_status(session, world, "requested")
    for who in ("brand", "talent", "agent", "operator"):
        assert [x.id for x in licensing.list_for(session, world.actor(session, who))] == [lic.id]
    for who in ("other_brand", "stranger_agent", "other_talent"):
        assert licensing.list_for(session, world.actor(session, who)) == []
    read = licensing.to_read(session, world.actor(session, "brand"), lic)
    assert read.available_actions == [LicenseAction.withdraw]
    read = licensing.to_read(session, world.actor(session, "agent"), lic)
    assert read.available_actions == [LicenseAction.propose, LicenseAction.withdraw]


@pytest.mark.parametrize(
    ("starts", "ends"), [(-400, -10), (10, 400)], ids=["agreement-ended", "agreement-not-started"]
)
def test_an_agent_outside_the_agreement_term_lists_nothing_of_the_talents(
    session: Session, world: World, starts: int, ends: int
) -> None:
    lic = to_status(session, world, "accepted")
    agent = world.actor(session, "agent")
    assert [x.id for x in licensing.list_for(session, agent)] == [lic.id]
    assert {c.talent_id for c in consents.list_for(session, agent)} == {world.talent.id}
    today = utcnow().date()
    for agreement in session.execute(select(Representation)).scalars():
        agreement.starts_on = today + timedelta(days=starts)
        agreement.ends_on = today + timedelta(days=ends)
    session.flush()
    # Lists must say the same as single-record access, which already refuses.
    assert licensing.list_for(session, agent) == []
    assert consents.list_for(session, agent) == []
    with pytest.raises(LicenseNotFound):
        licensing.get_for(session, agent, lic.id)


def test_a_page_of_licenses_reads_as_each_alone_with_one_relations_lookup_per_pair(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lics = [
        to_status(session, world, "active"),
        requested(session, world, categories=["beauty"]),
        requested(session, world, categories=["sportswear"]),
    ]
    real = licensing.party_access.relations
    calls: list[tuple[str, str]] = []

    def counting(s: Session, a: Actor, talent_id: str, brand_id: str) -> frozenset[Relation]:
        calls.append((talent_id, brand_id))
        return real(s, a, talent_id, brand_id)

    for role in ("talent", "agent", "brand", "operator"):
        actor = world.actor(session, role)
        alone = [licensing.to_read(session, actor, lic) for lic in lics]
        calls.clear()
        monkeypatch.setattr(licensing.party_access, "relations", counting)
        assert licensing.to_reads(session, actor, lics) == alone, role
        monkeypatch.setattr(licensing.party_access, "relations", real)
        assert calls == [(world.talent.id, world.brand.id)], role
    assert licensing.to_reads(session, world.actor(session, "brand"), []) == []


def test_a_brand_marks_all_its_notifications_read_in_one_audited_step(
    session: Session, world: World
) -> None:
    sign_creation_consent(session, world)
    lic = to_status(session, world, "active", takedown_days=10)
    talent, brand = world.actor(session, "talent"), world.actor(session, "brand")
    licensing.revoke(session, talent, lic.id, TransitionIn(reason="changed my mind"))
    theirs = notifications.notify(
        session,
        brand_id=world.other_brand.id,
        talent_id=world.talent.id,
        kind="license.revoked",
        message="another brand's notice",
        payload={},
    )
    unread = notifications.list_for(session, brand, unread_only=True)
    assert unread
    assert notifications.mark_all_read(session, world.actor(session, "other_brand")) == 1
    assert notifications.mark_all_read(session, brand) == len(unread)
    assert notifications.list_for(session, brand, unread_only=True) == []
    assert notifications.mark_all_read(session, brand) == 0
    session.refresh(theirs)
    assert theirs.read_at is not None  # marked by its own brand, not by the first
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("notification.%")).order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == ["notification.read_all", "notification.read_all"]
    assert json.loads(events[1].payload) == {"count": len(unread), "brands": [world.brand.id]}
