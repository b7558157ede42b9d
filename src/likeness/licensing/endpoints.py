"""Thin routes for license negotiation and the decision point (brand notifications are
served with everyone's by :mod:`likeness.inbox.endpoints`), and
the use cases that end in licenses: signing and revoking a consent (a use consent is a
license's approval; revoking a creation consent ends licenses and shreds twins) and
retiring a twin (its licenses end)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from likeness.capture.endpoints import CAPTURE_ERRORS
from likeness.consent import service as consent_service
from likeness.consent.endpoints import CONSENT_ERRORS
from likeness.consent.errors import ConsentImmutable
from likeness.consent.schemas import ConsentRead, RevokeIn, SignIn
from likeness.consent.service import Intent
from likeness.consent.signing import TalentKeyring
from likeness.errors import NotFound
from likeness.licensing import decision, service
from likeness.licensing.errors import LicenseNotFound, StaleLicense
from likeness.licensing.schemas import (
    ApproveIn,
    DecisionRead,
    LicenseRead,
    LicenseRequestIn,
    TermsChangeIn,
    TransitionIn,
)
from likeness.licensing.schemas import UseIn as UseBody
from likeness.party.errors import BrandNotFound
from likeness.policy import ExclusivityConflict, IllegalTransition, LicenseStatus
from likeness.twin import service as twins
from likeness.twin.errors import TwinNotFound
from likeness.twin.schemas import RetireIn
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(
    tags=["licenses"],
    responses=error_responses(
        LicenseNotFound,
        TwinNotFound,
        BrandNotFound,
        NotFound,
        StaleLicense,
        IllegalTransition,
        ExclusivityConflict,
        ConsentImmutable,
    ),
)
#: Consent and twin routes whose use cases end in licenses (mounted by the app), with the
#: errors their features' own routers document.
consent_router = APIRouter(
    tags=["consents"], responses=error_responses(*CONSENT_ERRORS, LicenseNotFound)
)
twin_router = APIRouter(tags=["captures and twins"], responses=error_responses(*CAPTURE_ERRORS))


@router.post("/licenses", response_model=LicenseRead, status_code=status.HTTP_201_CREATED)
def request_license(body: LicenseRequestIn, actor: AnyActor, session: SessionDep) -> LicenseRead:
    """A brand member requests a license on a talent's twin, with the terms it wants."""
    return service.to_read(session, actor, service.request(session, actor, body))


@router.get("/licenses", response_model=list[LicenseRead])
def list_licenses(
    actor: AnyActor,
    session: SessionDep,
    status: LicenseStatus | None = None,
    talent_id: str | None = None,
    brand_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LicenseRead]:
    rows = service.list_for(
        session,
        actor,
        status=status,
        talent_id=talent_id,
        brand_id=brand_id,
        limit=limit,
        offset=offset,
    )
    return service.to_reads(session, actor, rows)


@router.get("/licenses/{license_id}", response_model=LicenseRead)
def get_license(license_id: str, actor: AnyActor, session: SessionDep) -> LicenseRead:
    """The license, its terms, and the actions you may take next."""
    return service.to_read(session, actor, service.get_for(session, actor, license_id))


def _action(name: str, doc: str, body_model: type[BaseModel] = TransitionIn) -> None:
    """``POST /licenses/{id}/<name>``: the service's ``name`` with ``body_model``
    (:class:`TransitionIn`, or :class:`TermsChangeIn` for a move that changes the terms)."""
    action = getattr(service, name)

    def endpoint(
        license_id: str, body: TransitionIn, actor: AnyActor, session: SessionDep
    ) -> LicenseRead:
        return service.to_read(session, actor, action(session, actor, license_id, body))

    endpoint.__annotations__ = {**endpoint.__annotations__, "body": body_model}
    endpoint.__doc__ = doc
    endpoint.__name__ = name
    router.post(f"/licenses/{{license_id}}/{name}", response_model=LicenseRead, name=name)(endpoint)


_action(
    "propose",
    "The agent or the talent proposes terms (from requested or countered).",
    TermsChangeIn,
)
_action("counter", "The brand counters a proposal with other terms.", TermsChangeIn)
_action(
    "accept", "The brand accepts the proposed terms; the use consent is drafted for the talent."
)


@router.post("/licenses/{license_id}/approve", response_model=LicenseRead)
def approve(
    license_id: str, body: ApproveIn, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> LicenseRead:
    """The talent signs the use consent; the license becomes active."""
    intent = Intent(body.typed_name, body.statement, body.sign_with_key)
    keyring = TalentKeyring(runtime.settings.keys_dir)
    lic = service.approve(
        session, actor, license_id, intent, keyring, expected_version=body.version
    )
    return service.to_read(session, actor, lic)


_action("suspend", "Pause a running license (talent, agent or operator).")
_action("resume", "Resume a suspended license (talent or operator).")
_action("revoke", "End a running license now (talent or operator); the brand is notified.")
_action("withdraw", "Abandon a negotiation (either side).")
_action("expire", "End a running license now because its term is over (operator).")


@router.post("/decide", response_model=DecisionRead)
def decide(body: UseBody, actor: AnyActor, session: SessionDep) -> DecisionRead:
    """May this brand generate, release or publish with this twin on this channel, in this
    territory and category, now (or at ``at``)? Every reason is given, with the license
    used and the obligations (approval, watermark, C2PA, AI label, fees)."""
    return DecisionRead.model_validate(decision.decide_use(session, actor, body).to_dict())


@consent_router.post("/consents/{consent_id}/sign", response_model=ConsentRead)
def sign_consent(
    consent_id: str, body: SignIn, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> ConsentRead:
    """The talent signs (typed full name + the affirmative statement). Signing a use
    consent activates its license. Agents and brands are always refused."""
    intent = consent_service.Intent(body.typed_name, body.statement, body.sign_with_key)
    keyring = TalentKeyring(runtime.settings.keys_dir)
    consent = service.sign_consent(session, actor, consent_id, intent, keyring)
    return consent_service.to_read(session, consent)


@consent_router.post("/consents/{consent_id}/revoke", response_model=ConsentRead)
def revoke_consent(
    consent_id: str, body: RevokeIn, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> ConsentRead:
    """The talent revokes: no new use from now on; affected brands are notified.

    Revoking a creation consent also crypto-shreds the twins it covered.
    """
    consent, _shredded = service.revoke_consent(
        session, actor, runtime.storage, consent_id, body.reason
    )
    return consent_service.to_read(session, consent)


@twin_router.post("/twins/{twin_id}/retire")
def retire_twin(
    actor: AnyActor, session: SessionDep, runtime: RuntimeDep, twin_id: str, body: RetireIn
) -> dict[str, Any]:
    """Retire one version, or (no version) delete the twin by crypto-shredding."""
    deps = runtime.storage
    if body.version is None:
        service.retire_twin(session, actor, deps, twin_id, body.reason)
    else:
        twins.retire_version(session, actor, deps, twin_id, body.version, body.reason)
    return twins.describe(session, twins.get_twin(session, actor, twin_id, purpose="retire"))
