"""The output use cases: create (quarantine), review, preview, release.

Each transition is a compare-and-set UPDATE on ``Output.version`` plus an audit event,
in the caller's one unit of work; the release also counts against the license with a
conditional increment (:func:`likeness.licensing.service.record_release`), so of two
workers releasing one output exactly one counts, releases of different outputs all count
while quota is left, and the quota is never exceeded.

Release spans output, provenance, asset and licensing, so it lives here, in the highest
feature it touches (decision 0015).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from likeness.asset import service as assets
from likeness.asset.errors import DuplicateAsset
from likeness.audit import service as audit
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json, sha256_hex
from likeness.kit.clock import utcnow
from likeness.kit.query import conditions
from likeness.licensing import access as license_access
from likeness.licensing import service as licensing
from likeness.licensing.decision import load_facts
from likeness.licensing.facts import terms_of
from likeness.models.asset import Asset, AssetKind
from likeness.models.base import new_id
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus, ReviewMode
from likeness.models.twin import Twin
from likeness.output import access, repository, rules
from likeness.output.errors import (
    GenerationDenied,
    IdempotencyKeyReused,
    InvalidOutputRequest,
    OutputBlocked,
    OutputNotFound,
    OutputNotReleasable,
    OutputNotReviewable,
    ReleaseDenied,
    ReviewNotPermitted,
    StaleOutput,
)
from likeness.output.schemas import OutputCreate, OutputRead, ReleaseRead, UseSpec
from likeness.policy import (
    Action,
    ApprovalMode,
    Decision,
    LicenseTerms,
    Relation,
    UseRequest,
    decide,
)
from likeness.provenance import (
    Channel,
    SourceKind,
    StampConfig,
    StampInfo,
    stamp,
    stamp_preview,
)
from likeness.vault.deps import StorageDeps, seal_under_twin_key
from likeness.vault.keys import twin_key_name

#: Engines whose pixels are a relit composite of consented captures (IPTC source type).
COMPOSITE_ENGINES = frozenset({"studio"})
#: Image formats an output may be stored in (sniffed by content).
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_ENGINE_PARAMS_CHARS = 100_000


# --- the decision under one named license -------------------------------------------


def decide_under(
    session: Session,
    lic: License,
    twin_id: str,
    action: Action,
    use: UseSpec,
    at: datetime | None = None,
) -> Decision:
    """The decision for ``action`` under exactly this license: the brand's other licenses
    are not candidates (a request names its license; nothing is silently picked), while
    other brands' licenses still count for exclusivity."""
    request = UseRequest(
        talent_id=lic.talent_id,
        twin_id=twin_id,
        brand_id=lic.brand_id,
        action=action,
        channel=use.channel,
        territory=use.territory,
        category=use.category,
        at=at or utcnow(),
        license_id=lic.id,
    )
    return decide(request, load_facts(session, lic.talent_id))


def _decision_json(decision: Decision) -> tuple[str, str]:
    text = canonical_json(decision.to_dict())
    return text, sha256_hex(text.encode("utf-8"))


def _refusal(decision: Decision) -> str:
    return "; ".join(f"{r.code}: {r.message}" for r in decision.reasons) or "refused"


# --- reading -------------------------------------------------------------------------


def get_for(session: Session, actor: Actor, output_id: str) -> Output:
    output = access.get_output_for(session, actor, output_id)
    if output.status in repository.UNRELEASED:  # released, rejected, blocked: nothing to settle
        settle(session, [output.id])
    return output


def settle(
    session: Session, output_ids: Sequence[str], now: datetime | None = None
) -> list[Output]:
    """Block every pending or approved output among ``output_ids`` whose license or use
    consent ended (a revoked consent blocks every pending release), with its reason and
    an audit event. Idempotent (compare-and-set), so read paths run it."""
    moment = now or utcnow()
    blocked: list[Output] = []
    for output, lic, consent in repository.unreleased_with_rights(session, output_ids):
        why = rules.ended_for(lic, consent, moment)
        if why is None:
            continue
        values = {"status": OutputStatus.blocked, "blocked_reason": why[:500], "updated_at": moment}
        if not repository.compare_and_set(session, output.id, output.version, values):
            continue
        session.refresh(output)
        audit.record(
            session, SYSTEM_ACTOR, "output.blocked", "output", output.id, {"reason": why[:500]}
        )
        blocked.append(output)
    return blocked


def list_for(
    session: Session,
    actor: Actor,
    *,
    status: OutputStatus | None = None,
    license_id: str | None = None,
    talent_id: str | None = None,
    brand_id: str | None = None,
    queue: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Output]:
    """The outputs the actor may see; ``queue``: those waiting for *this actor's* review."""
    require_page(limit, offset, MAX_PAGE)
    where = conditions(
        access.output_filter(actor),
        (Output.license_id, license_id),
        (Output.talent_id, talent_id),
        (Output.brand_id, brand_id),
    )
    if queue:
        where.append(Output.status == OutputStatus.pending)
        reviewable = access.queue_filter(session, actor)
        if reviewable is not None:
            where.append(reviewable)
    elif status is not None:
        where.append(Output.status == status)
    rows = repository.list_outputs(session, where, limit=limit, offset=offset)
    if settle(session, [o.id for o in rows if o.status in repository.UNRELEASED]):
        rows = repository.list_outputs(session, where, limit=limit, offset=offset)
    return rows


def to_read(session: Session, output: Output, asset_id: str | None = None) -> OutputRead:
    if asset_id is None and output.status is OutputStatus.released:
        asset = repository.release_asset_of(session, output.id)
        asset_id = asset.id if asset else None
    return OutputRead(
        id=output.id,
        license_id=output.license_id,
        twin_id=output.twin_id,
        twin_version=output.twin_version,
        talent_id=output.talent_id,
        brand_id=output.brand_id,
        status=output.status,
        version=output.version,
        use=json.loads(output.use_json),
        decision=json.loads(output.decision_json),
        decision_sha256=output.decision_sha256,
        consent_id=output.consent_id,
        engine=output.engine,
        engine_params=json.loads(output.engine_params),
        image_sha256=output.image_sha256,
        media_type=output.media_type,
        width=output.width,
        height=output.height,
        preview_asset_id=output.preview_asset_id,
        review_mode=output.review_mode,
        reviewed_by_user_id=output.reviewed_by_user_id,
        reviewed_at=output.reviewed_at,
        review_reason=output.review_reason,
        approval_sha256=output.approval_sha256,
        blocked_reason=output.blocked_reason,
        generation_request_id=output.generation_request_id,
        generation_index=output.generation_index,
        check=json.loads(output.check_json) if output.check_json else None,
        created_at=output.created_at,
        updated_at=output.updated_at,
        asset_id=asset_id,
    )


def to_reads(session: Session, outputs: Sequence[Output]) -> list[OutputRead]:
    released = repository.release_assets_of(
        session, [o.id for o in outputs if o.status is OutputStatus.released]
    )
    return [to_read(session, o, released.get(o.id)) for o in outputs]


def preview(
    session: Session, actor: Actor, deps: StorageDeps, output_id: str
) -> tuple[Output, Asset, bytes]:
    """The marked preview of an output, for the reviewing side only (never a brand);
    the read is audited by the asset registry."""
    output = get_for(session, actor, output_id)
    if not access.may_see_image(access.output_relations(session, actor, output)):
        raise OutputNotFound(f"output {output.id} has no preview you may see")
    if output.preview_asset_id is None:
        raise OutputNotFound(f"output {output.id} has no preview")
    asset, data = assets.read_file(session, actor, deps, output.preview_asset_id)
    return output, asset, data


# --- creating (quarantine) ------------------------------------------------------------


@dataclass(frozen=True)
class _Image:
    media_type: str
    width: int
    height: int


def _inspect(image: bytes) -> _Image:
    if not image or len(image) > MAX_IMAGE_BYTES:
        raise InvalidOutputRequest(f"an output image must be 1 byte to {MAX_IMAGE_BYTES} bytes")
    try:
        with Image.open(io.BytesIO(image)) as opened:
            kind, (width, height) = opened.format, opened.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidOutputRequest(f"the output is not a readable image: {exc}") from None
    media_type = MEDIA_TYPES.get(kind or "")
    if media_type is None:
        raise InvalidOutputRequest(f"an output must be JPEG, PNG or WebP, not {kind}")
    return _Image(media_type, width, height)


def _provenance(output: Output) -> dict[str, Any]:
    """What a generation recorded for the C2PA manifest (``engine_params["provenance"]``:
    ``generative``, ``models``, ``seed``, …), or ``{}`` for an output made otherwise."""
    recorded = json.loads(output.engine_params).get("provenance")
    return dict(recorded) if isinstance(recorded, dict) else {}


def _source_kind(output: Output) -> SourceKind:
    """Generated pixels (trainedAlgorithmicMedia), or a relit composite of consented
    captures: as the engine declared it, else by the engine's name."""
    generative = _provenance(output).get("generative")
    if isinstance(generative, bool):
        return SourceKind.GENERATED if generative else SourceKind.RELIT_COMPOSITE
    if output.engine in COMPOSITE_ENGINES:
        return SourceKind.RELIT_COMPOSITE
    return SourceKind.GENERATED


def _stamp_provenance(output: Output, deps: StorageDeps) -> dict[str, Any]:
    """The generation's provenance as StampInfo fields: ``models`` (name, SHA-256 pairs),
    ``seed``, and ``ingredient`` (an imported file, sealed with the twin's key as one of
    the request's inputs), each passed where StampInfo declares it."""
    recorded = _provenance(output)
    declared = {f.name for f in dataclasses.fields(StampInfo)}
    extras: dict[str, Any] = {}
    if "models" in declared and recorded.get("models"):
        extras["models"] = tuple((m["name"], m["sha256"]) for m in recorded["models"])
    if "seed" in declared and isinstance(recorded.get("seed"), int):
        extras["seed"] = recorded["seed"]
    ingredient = recorded.get("ingredient")
    if "ingredient" in declared and isinstance(ingredient, dict) and "blob_key" in ingredient:
        extras["ingredient"] = deps.cipher.decrypt(
            twin_key_name(output.twin_id),
            deps.blobs.get(str(ingredient["blob_key"])),
            role=str(ingredient["role"]),
        )
    return extras


def _use_consent(session: Session, decision: Decision) -> Consent:
    consent = session.get(Consent, decision.consent_id) if decision.consent_id else None
    if consent is None:
        raise GenerationDenied("the decision named no use consent")
    return consent


def use_consent_sha256(session: Session, decision: Decision) -> str | None:
    """The digest of the use consent ``decision`` named (``None`` if it named none):
    what a preview's stamp carries (for :func:`prepare_preview`)."""
    consent = session.get(Consent, decision.consent_id) if decision.consent_id else None
    return None if consent is None else consent.document_sha256


def _twin_of(session: Session, lic: License, twin_id: str) -> Twin:
    twin = session.get(Twin, twin_id)
    if twin is None or twin.talent_id != lic.talent_id:
        raise InvalidOutputRequest(f"twin {twin_id} is not a twin of license {lic.id}'s talent")
    return twin


def create(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    data: OutputCreate,
    image: bytes,
    stamp_config: StampConfig,
) -> Output:
    """Hold a new output in quarantine: decide (generate, under the named license), seal
    the image with the twin's key, register its marked preview, and approve it at once
    (still logged) when the license is pre-approved."""
    return create_with_preview(session, actor, deps, data, image, stamp_config)[0]


def require_generate(session: Session, actor: Actor, data: OutputCreate) -> Decision:
    """Check, before any pixel is made, that the named license allows generating this."""
    lic = license_access.get_license_for(session, actor, data.license_id)
    twin = _twin_of(session, lic, data.twin_id)
    return _allowed_to_generate(session, lic, twin.id, data.use)


def _allowed_to_generate(session: Session, lic: License, twin_id: str, use: UseSpec) -> Decision:
    decision = decide_under(session, lic, twin_id, Action.generate, use)
    if not decision.allow:
        raise GenerationDenied(f"license {lic.id} does not allow this: {_refusal(decision)}")
    return decision


@dataclass(frozen=True)
class GenerationLink:
    """Where a generated output comes from: its request and index (unique together, so
    a retried job never stores an image twice) and the automated checks' result."""

    request_id: str
    index: int
    check: dict[str, Any]
    requested_by_user_id: str | None = None


def create_with_preview(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    data: OutputCreate,
    image: bytes,
    stamp_config: StampConfig,
    *,
    generation: GenerationLink | None = None,
    prepared: PreparedPreview | None = None,
) -> tuple[Output, bytes]:
    """:func:`create`, also returning the marked preview it registered.

    ``prepared``: the preview stamped beforehand by :func:`prepare_preview` (outside the
    transaction); used only where it is exactly the stamp this transaction would make,
    else the image is stamped again here."""
    output, lic, consent, terms = _quarantine(
        session,
        actor,
        deps,
        data,
        image,
        OutputStatus.pending,
        generation,
        output_id=None if prepared is None else prepared.output_id,
    )
    if terms.approval_mode is ApprovalMode.pre_approved:
        now = output.updated_at
        for name, value in _approve_values(output, None, ReviewMode.automatic, None, now).items():
            setattr(output, name, value)
        session.flush()
    shown, marked = _mark(
        session, actor, deps, output, lic, consent, image, stamp_config, prepared=prepared
    )
    output.preview_asset_id = shown.id
    session.flush()
    if output.status is OutputStatus.approved:
        audit.record(
            session,
            actor,
            "output.approved",
            "output",
            output.id,
            {"review_mode": ReviewMode.automatic.value, "approval_sha256": output.approval_sha256},
        )
    return output, marked


def hold_check_rejected(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    data: OutputCreate,
    image: bytes,
    generation: GenerationLink,
) -> Output:
    """Keep a generated image that failed the automated checks: sealed like any output,
    with the checks' reason, but ``check_rejected``: no preview, never in a review queue,
    never releasable, never shown to the brand."""
    return _quarantine(session, actor, deps, data, image, OutputStatus.check_rejected, generation)[
        0
    ]


def _quarantine(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    data: OutputCreate,
    image: bytes,
    status: OutputStatus,
    generation: GenerationLink | None,
    *,
    output_id: str | None = None,
) -> tuple[Output, License, Consent, LicenseTerms]:
    lic = license_access.get_license_for(session, actor, data.license_id)
    twin = _twin_of(session, lic, data.twin_id)
    params = canonical_json(data.engine_params)
    if len(params) > MAX_ENGINE_PARAMS_CHARS:
        raise InvalidOutputRequest("engine parameters are too large")
    decision = _allowed_to_generate(session, lic, twin.id, data.use)
    consent = _use_consent(session, decision)
    shape = _inspect(image)
    decision_text, decision_digest = _decision_json(decision)
    terms = terms_of(lic)
    now = utcnow()
    output = Output(
        id=output_id or new_id(),
        license_id=lic.id,
        twin_id=twin.id,
        twin_version=data.twin_version or twin.latest_version,
        talent_id=lic.talent_id,
        brand_id=lic.brand_id,
        status=status,
        version=1,
        use_json=canonical_json({"action": Action.generate.value, **data.use.model_dump()}),
        decision_json=decision_text,
        decision_sha256=decision_digest,
        consent_id=consent.id,
        engine=data.engine,
        engine_params=params,
        blob_key="",
        image_sha256=hashlib.sha256(image).hexdigest(),
        media_type=shape.media_type,
        width=shape.width,
        height=shape.height,
        requested_by_user_id=actor.user_id,
        updated_at=now,
    )
    if generation is not None:
        output.generation_request_id = generation.request_id
        output.generation_index = generation.index
        output.check_json = canonical_json(generation.check)
        output.requested_by_user_id = generation.requested_by_user_id
    # Named before it exists: a crash before the commit leaves a journal that recovery
    # follows to delete the sealed image (the twin's key is not ours to shred).
    _, (output.blob_key,) = seal_under_twin_key(
        session,
        deps,
        kind="output",
        talent_id=lic.talent_id,
        twin_id=twin.id,
        row=("outputs", output.id),
        contents=[(_blob_role(output.id), image)],
    )
    session.add(output)
    session.flush()
    audit.record(
        session,
        actor,
        "output.created" if status is OutputStatus.pending else "output.check_rejected",
        "output",
        output.id,
        {
            "license_id": lic.id,
            "twin_id": twin.id,
            "brand_id": lic.brand_id,
            "use": json.loads(output.use_json),
            "decision_sha256": decision_digest,
            "engine": data.engine,
            "image_sha256": output.image_sha256,
            **(
                {
                    "generation_request_id": generation.request_id,
                    "generation_index": generation.index,
                    "check": generation.check,
                }
                if generation is not None
                else {}
            ),
        },
    )
    return output, lic, consent, terms


def _blob_role(output_id: str) -> str:
    return f"output/{output_id}"


def _stamp_info(
    deps: StorageDeps,
    output: Output,
    license_id: str,
    consent_sha256: str,
    asset_id: str,
    channel: Channel | None,
) -> StampInfo:
    kind = AssetKind.preview if channel is None else AssetKind.release
    return StampInfo(
        asset_id=asset_id,
        twin_id=output.twin_id,
        license_id=license_id,
        consent_sha256=consent_sha256,
        approval_sha256=None if channel is None else output.approval_sha256,
        channel=channel,
        kind=_source_kind(output),
        asset_kind=kind.value,
        engine=output.engine,
        title=f"Likeness preview of output {output.id}: not for publication"
        if kind is AssetKind.preview
        else None,
        **_stamp_provenance(output, deps),
    )


@dataclass(frozen=True)
class PreparedPreview:
    """A preview stamped before the transaction that stores its output
    (:func:`prepare_preview`): the output id and asset id it was stamped for, what it
    says, and the marked file. Nothing is stored or registered until
    :func:`create_with_preview` uses it."""

    output_id: str
    info: StampInfo
    config: StampConfig
    marked: bytes


def prepare_preview(
    deps: StorageDeps,
    data: OutputCreate,
    image: bytes,
    stamp_config: StampConfig,
    *,
    consent_sha256: str,
    pixels: NDArray[np.uint8] | None = None,
) -> PreparedPreview:
    """Stamp the preview of an output not made yet (the costly part: visible mark,
    watermark, encoding, signed C2PA), with no session, so that the transaction that
    stores it does not wait on it. ``consent_sha256``: the use consent the caller's
    latest decision named. Writes nothing: :func:`create_with_preview` re-decides, and
    stamps again unless the same output would carry exactly this stamp (same consent,
    asset id still free). ``pixels``: what ``image`` (a PNG) decodes to, when the caller
    encoded it from them (not decoded again)."""
    draft = Output(
        id=new_id(),
        twin_id=data.twin_id,
        engine=data.engine,
        engine_params=canonical_json(data.engine_params),
    )
    asset_id, _ = assets.draw()
    info = _stamp_info(deps, draft, data.license_id, consent_sha256, asset_id, None)
    marked = stamp_preview(image, info, stamp_config, pixels=pixels)
    return PreparedPreview(draft.id, info, stamp_config, marked)


def _mark(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    output: Output,
    lic: License,
    consent: Consent,
    image: bytes,
    stamp_config: StampConfig | Callable[[], StampConfig],
    *,
    channel: Channel | None = None,
    idempotency_key: str | None = None,
    decision_sha256: str | None = None,
    prepared: PreparedPreview | None = None,
) -> tuple[Asset, bytes]:
    """Mark ``image`` with a fresh asset id and register it in the asset registry:
    stamped for release on ``channel`` (with the output's approval and the release
    decision's digest), or without one, the reviewer's preview (visible "not for
    publication" mark, no approval, no channel, the generate decision). A ``prepared``
    preview is used as it is only if its asset id is still free and it says exactly
    what this stamp would."""
    kind = AssetKind.preview if channel is None else AssetKind.release
    approval_sha256 = None if channel is None else output.approval_sha256
    preferred = None if prepared is None else prepared.info.asset_id
    asset_id, _ = assets.allocate(session, preferred=preferred)
    info = _stamp_info(deps, output, lic.id, consent.document_sha256, asset_id, channel)
    config = stamp_config if isinstance(stamp_config, StampConfig) else stamp_config()
    if prepared is not None and prepared.info == info and prepared.config is config:
        marked = prepared.marked
    else:
        marked = (stamp_preview if kind is AssetKind.preview else stamp)(image, info, config)
    asset = assets.register(
        session,
        actor,
        deps,
        asset_id=asset_id,
        kind=kind,
        output=output,
        data=marked,
        media_type=output.media_type,
        channel=None if channel is None else channel.value,
        consent_sha256=consent.document_sha256,
        approval_sha256=approval_sha256,
        valid_until=lic.ends_at,
        idempotency_key=idempotency_key,
        decision_sha256=decision_sha256,
    )
    return asset, marked


# --- review ---------------------------------------------------------------------------


def _approve_values(
    output: Output, user_id: str | None, mode: ReviewMode, reason: str | None, now: datetime
) -> dict[str, Any]:
    reviewer = user_id or rules.AUTOMATIC_REVIEWER
    record = rules.approval_record(
        output_id=output.id,
        image_sha256=output.image_sha256,
        decision_sha256=output.decision_sha256,
        reviewer=reviewer,
        review_mode=mode,
        approved_at=now,
    )
    values: dict[str, Any] = {
        "status": OutputStatus.approved,
        "review_mode": mode,
        "reviewed_by_user_id": user_id,
        "reviewed_at": now,
        "review_reason": reason,
        "approval_sha256": rules.approval_sha256(record),
        "updated_at": now,
    }
    return values


def _set(session: Session, output: Output, expected: int | None, values: dict[str, Any]) -> None:
    if expected is not None and expected != output.version:
        raise StaleOutput(
            f"output {output.id} is at version {output.version}, not {expected}; reload it"
        )
    if not repository.compare_and_set(session, output.id, output.version, values):
        raise StaleOutput(f"output {output.id} was changed by someone else at the same time")
    session.refresh(output)


def _reviewable(session: Session, actor: Actor, output: Output) -> ReviewMode:
    lic = session.get(License, output.license_id)
    assert lic is not None
    terms = terms_of(lic)
    related = access.output_relations(session, actor, output)
    mode = access.review_mode_for(related, terms)
    if output.status is not OutputStatus.pending:
        raise OutputNotReviewable(
            f"output {output.id} is {output.status.value}: only a pending output is reviewed"
        )
    return mode


def approve(
    session: Session,
    actor: Actor,
    output_id: str,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Output:
    """The talent (or the delegated agent) approves an output for release."""
    output = get_for(session, actor, output_id)
    mode = _reviewable(session, actor, output)
    note = reason.strip() if reason and reason.strip() else None
    values = _approve_values(output, actor.user_id, mode, note, utcnow())
    _set(session, output, expected_version, values)
    audit.record(
        session,
        actor,
        "output.approved",
        "output",
        output.id,
        {
            "review_mode": mode.value,
            "reason": note,
            "approval_sha256": output.approval_sha256,
            "image_sha256": output.image_sha256,
            "decision_sha256": output.decision_sha256,
        },
    )
    return output


def reject(
    session: Session,
    actor: Actor,
    output_id: str,
    *,
    reason: str,
    expected_version: int | None = None,
) -> Output:
    """The talent (or the delegated agent) rejects an output; it is kept, never released."""
    why = (reason or "").strip()
    if not why:
        raise InvalidOutputRequest("rejecting an output needs a reason")
    output = get_for(session, actor, output_id)
    mode = _reviewable(session, actor, output)
    now = utcnow()
    _set(
        session,
        output,
        expected_version,
        {
            "status": OutputStatus.rejected,
            "review_mode": mode,
            "reviewed_by_user_id": actor.user_id,
            "reviewed_at": now,
            "review_reason": why[:1000],
            "updated_at": now,
        },
    )
    audit.record(
        session,
        actor,
        "output.rejected",
        "output",
        output.id,
        {"review_mode": mode.value, "reason": output.review_reason},
    )
    return output


# --- release --------------------------------------------------------------------------


@dataclass(frozen=True)
class Released:
    output: Output
    asset: Asset
    license: License
    replayed: bool
    #: The stamped file this call registered (None for a replay: read it from the asset).
    data: bytes | None = None


@dataclass(frozen=True)
class Blocked:
    """The release found the license or a consent ended: the output is now blocked (the
    caller commits that, then reports :attr:`error`)."""

    output: Output
    error: OutputBlocked


def _channel(value: str) -> Channel:
    try:
        return Channel(value.strip().lower())
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise InvalidOutputRequest(
            f"channel {value!r} has no release stamp preset; use one of {known}"
        ) from None


def _replay(session: Session, output: Output, asset: Asset, target: Channel) -> Released:
    if asset.output_id != output.id:
        raise IdempotencyKeyReused(
            f"this idempotency key already released output {asset.output_id}"
        )
    if asset.channel != target.value:
        raise IdempotencyKeyReused(
            f"this idempotency key already released output {output.id} for {asset.channel} "
            f"(asset {asset.id}); use a new key to release it for {target.value}"
        )
    lic = session.get(License, output.license_id)
    assert lic is not None
    return Released(output, asset, lic, replayed=True)


def _require_releasable(session: Session, output: Output) -> None:
    if rules.releasable(output.status):
        return
    if output.status is OutputStatus.released:
        asset = repository.release_asset_of(session, output.id)
        raise OutputNotReleasable(
            f"output {output.id} was released already"
            + (f" as asset {asset.id}" if asset else "")
            + "; retry with the same idempotency key to get it back"
        )
    if output.status is OutputStatus.rejected:
        raise OutputNotReleasable(f"output {output.id} was rejected: it is never released")
    if output.status is OutputStatus.check_rejected:
        raise OutputNotReleasable(
            f"output {output.id} failed the automated checks: it is never released"
        )
    raise OutputNotReleasable(
        f"output {output.id} is waiting for the talent's review: approve it first"
    )


def release(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    output_id: str,
    stamp_config: StampConfig | Callable[[], StampConfig],
    *,
    channel: str | None = None,
    idempotency_key: str | None = None,
) -> Released | Blocked:
    """Release an approved output: decide (release, under its license), stamp it for the
    channel with a fresh asset id, register the asset and count it against the license,
    all in the caller's transaction. A retry with the same idempotency key returns the
    asset of the first try instead of counting again.

    ``stamp_config`` may be a function that loads it: it is called only when there is
    something to stamp (an unknown output is a 404, not a missing-key error)."""
    output = get_for(session, actor, output_id)
    related = access.output_relations(session, actor, output)
    if not related & {Relation.brand, Relation.operator}:
        raise ReviewNotPermitted(
            "only the brand that holds the license (or an operator) releases its outputs"
        )
    made_for = json.loads(output.use_json)
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or len(key) > 128:
            raise InvalidOutputRequest("an idempotency key is 1 to 128 characters")
        earlier = assets.find_by_idempotency(session, output.brand_id, key)
        if earlier is not None:
            return _replay(session, output, earlier, _channel(channel or made_for["channel"]))
        idempotency_key = key
    if output.status is OutputStatus.blocked:
        # Blocked now (a read settled it) or earlier: the caller commits, then reports.
        why = output.blocked_reason or "its license or consent ended"
        return Blocked(
            output, OutputBlocked(f"output {output.id} can no longer be released: {why}")
        )
    _require_releasable(session, output)
    lic = session.get(License, output.license_id)
    assert lic is not None
    target = _channel(channel or made_for["channel"])
    use = UseSpec(
        channel=target.value, territory=made_for.get("territory"), category=made_for["category"]
    )
    decision = decide_under(session, lic, output.twin_id, Action.release, use)
    if not decision.allow:
        if rules.blocks(decision.codes):
            return _block(session, actor, output, _refusal(decision))
        raise ReleaseDenied(f"release refused: {_refusal(decision)}")
    # Every asset carries the decision that allowed *its* release (the channel may differ
    # from the one the output was made for), not the generate decision.
    decision_text, decision_digest = _decision_json(decision)
    now = utcnow()
    # Claim the output first: on PostgreSQL a second worker waits here for this one's
    # commit, then finds the version gone.
    _set(session, output, None, {"status": OutputStatus.released, "updated_at": now})
    consent = session.get(Consent, output.consent_id)
    assert consent is not None and output.approval_sha256 is not None
    image = deps.cipher.decrypt(
        twin_key_name(output.twin_id), deps.blobs.get(output.blob_key), role=_blob_role(output.id)
    )
    try:
        asset, stamped = _mark(
            session,
            actor,
            deps,
            output,
            lic,
            consent,
            image,
            stamp_config,
            channel=target,
            idempotency_key=idempotency_key,
            decision_sha256=decision_digest,
        )
    except DuplicateAsset as exc:
        if idempotency_key is None:
            raise
        # A concurrent release with the same key committed first (the transaction is
        # spoilt: no lookup of which output it released).
        raise IdempotencyKeyReused(f"{exc.message}: use a new key for this release") from None
    lic = licensing.record_release(session, actor, lic.id)
    audit.record(
        session,
        actor,
        "output.released",
        "output",
        output.id,
        {
            "asset_id": asset.id,
            "license_id": lic.id,
            "channel": target.value,
            "file_sha256": asset.file_sha256,
            "approval_sha256": output.approval_sha256,
            "decision_sha256": decision_digest,
            "decision": json.loads(decision_text),
            "released_count": lic.released_count,
        },
    )
    return Released(output, asset, lic, replayed=False, data=stamped)


def released_file(session: Session, actor: Actor, deps: StorageDeps, result: Released) -> bytes:
    """The file of a release, for the releasing caller: the bytes this call stamped (no
    read-back), else (a replay) the stored file; a download either way, so audited."""
    if result.data is None:
        return assets.read_file(session, actor, deps, result.asset.id)[1]
    asset = result.asset
    audit.record(
        session,
        actor,
        "asset.downloaded",
        "asset",
        asset.id,
        {
            "kind": asset.kind.value,
            "status": asset.status.value,
            "brand_id": asset.brand_id,
            "file_sha256": asset.file_sha256,
            "as": sorted(r.value for r in access.output_relations(session, actor, result.output)),
        },
    )
    return result.data


def _block(session: Session, actor: Actor, output: Output, why: str) -> Blocked:
    reason = why[:500]
    _set(
        session,
        output,
        None,
        {"status": OutputStatus.blocked, "blocked_reason": reason, "updated_at": utcnow()},
    )
    audit.record(session, actor, "output.blocked", "output", output.id, {"reason": reason})
    return Blocked(output, OutputBlocked(f"output {output.id} can no longer be released: {why}"))


def require_released(result: Released | Blocked) -> Released:
    """For callers that commit first: the blocked outcome as its error."""
    if isinstance(result, Blocked):
        raise result.error
    return result


def to_release_read(result: Released) -> ReleaseRead:
    asset = result.asset
    return ReleaseRead(
        output_id=result.output.id,
        asset_id=asset.id,
        license_id=asset.license_id,
        channel=asset.channel or "",
        file_sha256=asset.file_sha256,
        media_type=asset.media_type,
        released_at=asset.released_at,
        valid_until=asset.valid_until,
        replayed=result.replayed,
        released_count=result.license.released_count,
        max_outputs=terms_of(result.license).max_outputs,
    )
