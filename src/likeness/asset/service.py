"""The asset registry's use cases: allocate, register, read, download, report, settle.

Registration is called by the release (and preview) use case of :mod:`likeness.output`,
which sits above this package: it allocates an id whose 64-bit mark is free, stamps the
image with that mark, and registers the stamped file here. The file is stored sealed
with the twin's data key through the intent journal, so a crash before the commit
leaves nothing once recovery has run, and retiring the twin shreds its assets too.

Licensing sits below and never calls this package. :func:`settle` reads license and
consent state and materialises what it means for assets (expired, revoked, a take-down
date) by licensing's own rule, :func:`likeness.licensing.rules.rights_ending` (the one
that blocks unreleased outputs too); every read path runs it first, so the registry is
correct without licensing knowing about assets. The take-down date is the one the
brand's rights notification already gave: the moment the rights ended (the license
ended, the consent was revoked or ran out) plus the license's ``takedown_days``
(decision 0017).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from likeness.asset import access, repository
from likeness.asset.errors import (
    AlreadyTakenDown,
    AssetNotFound,
    DuplicateAsset,
    InvalidAsset,
    NotDownloadable,
    PublicationRefused,
)
from likeness.asset.schemas import (
    AssetRead,
    AssetVerifyBlock,
    PublicationIn,
    PublicationRead,
    PublicVerifyRead,
    TakedownRead,
)
from likeness.audit.service import record
from likeness.errors import Forbidden
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json, sha256_hex
from likeness.kit.clock import utcnow
from likeness.kit.query import conditions
from likeness.licensing import access as license_access
from likeness.licensing import decision as decision_point
from likeness.licensing.facts import terms_of
from likeness.licensing.rules import Ending, rights_ending
from likeness.models.asset import Asset, AssetKind, AssetStatus, Publication
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus
from likeness.models.party import TalentProfile
from likeness.policy import (
    Action,
    Decision,
    InvalidUse,
    Relation,
    UseRequest,
    decide,
)
from likeness.vault.deps import StorageDeps, seal_under_twin_key
from likeness.vault.keys import twin_key_name

if TYPE_CHECKING:
    from likeness.provenance import Report

MAX_ALLOCATE_TRIES = 16
MAX_IDEMPOTENCY_KEY = 128
#: What a registered file may be (the stamped containers provenance writes).
MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
#: Outputs a *release* may be registered for: approved (or being marked released by the
#: same transaction). Pending, rejected and blocked outputs are never released.
RELEASABLE = frozenset({OutputStatus.approved, OutputStatus.released})
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def mark_of(asset_id: str) -> str:
    """The watermark payload of an asset id, as 16 hex digits (its first 64 bits)."""
    return asset_id[:16]


def payload_of(asset_id: str) -> bytes:
    """The 8 bytes the watermark carries (== ``StampInfo(asset_id=…).watermark_payload``)."""
    return uuid.UUID(asset_id).bytes[:8]


def blob_role(asset_id: str) -> str:
    """The AEAD role a sealed asset file is bound to (a blob cannot pose as another)."""
    return f"asset/{asset_id}"


# --- registering -------------------------------------------------------------------------


def draw() -> tuple[str, bytes]:
    """A fresh asset id (uuid4 hex) and its 8-byte watermark payload, not yet checked
    against the registry: to stamp a file before the transaction that registers it,
    which then passes it to :func:`allocate` as ``preferred``."""
    asset_id = uuid.uuid4().hex
    return asset_id, payload_of(asset_id)


def allocate(session: Session, *, preferred: str | None = None) -> tuple[str, bytes]:
    """A fresh asset id (uuid4 hex) whose 64-bit mark is not registered yet, and its
    8-byte watermark payload. A colliding mark is drawn again (the unique index on
    ``assets.mark`` still guards a concurrent registration of the same mark).
    ``preferred`` (from :func:`draw`) is kept when its mark is still free."""
    if (
        preferred is not None
        and _HEX32.fullmatch(preferred)
        and not repository.mark_taken(session, mark_of(preferred))
    ):
        return preferred, payload_of(preferred)
    for _ in range(MAX_ALLOCATE_TRIES):
        asset_id = uuid.uuid4().hex
        if not repository.mark_taken(session, mark_of(asset_id)):
            return asset_id, payload_of(asset_id)
    raise DuplicateAsset("could not draw a free asset mark; try again")  # pragma: no cover


def _require_sha256(name: str, value: str | None) -> None:
    if value is None or not _SHA256.fullmatch(value):
        raise InvalidAsset(f"{name} must be a lower-case SHA-256 hex digest")


def register(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    *,
    asset_id: str,
    kind: AssetKind,
    output: Output,
    data: bytes,
    media_type: str,
    channel: str | None,
    consent_sha256: str,
    approval_sha256: str | None,
    valid_until: datetime,
    idempotency_key: str | None = None,
    decision_sha256: str | None = None,
) -> Asset:
    """Store the marked file sealed with the twin's data key (through the intent journal,
    so a crash before commit leaves nothing behind once recovery runs), insert the row
    (status active) and write the audit event ``asset.registered``. Never commits.

    ``decision_sha256`` is the decision that allowed this asset (a release's own release
    decision); it defaults to the output's generate decision (a preview). A concurrent
    registration that took the brand's idempotency key first is a :class:`DuplicateAsset`
    (the transaction must then roll back).
    """
    from likeness.provenance import sniff_format  # stamping's own format test; heavy import

    kind = AssetKind(kind)
    if decision_sha256 is not None:
        _require_sha256("decision_sha256", decision_sha256)
    if not isinstance(asset_id, str) or not _HEX32.fullmatch(asset_id):
        raise InvalidAsset("asset_id must be 32 lower-case hex digits (allocate one)")
    if not data:
        raise InvalidAsset("the asset file is empty")
    found = sniff_format(data)
    if media_type not in MEDIA_TYPES or found is None or found.mime_type != media_type:
        raise InvalidAsset(
            f"media type {media_type!r} does not match the file "
            f"({found.mime_type if found else 'not JPEG, PNG or WebP'})"
        )
    _require_sha256("consent_sha256", consent_sha256)
    if approval_sha256 is not None:
        _require_sha256("approval_sha256", approval_sha256)
    if valid_until.tzinfo is None or valid_until.utcoffset() is None:
        raise InvalidAsset("valid_until must carry a time zone")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidAsset(f"an idempotency key has 1 to {MAX_IDEMPOTENCY_KEY} characters")
    if channel is not None and not 1 <= len(channel) <= 32:
        raise InvalidAsset("a channel has 1 to 32 characters")
    if kind is AssetKind.release:
        if channel is None:
            raise InvalidAsset("a release is stamped for one channel; name it")
        if approval_sha256 is None:
            raise InvalidAsset("a release needs the approval's digest")
        if output.status not in RELEASABLE:
            raise InvalidAsset(
                f"output {output.id} is {output.status}: only approved outputs are released"
            )
    # An id's mark is its first 16 hex digits: a registered id has a taken mark.
    if repository.mark_taken(session, mark_of(asset_id)):
        raise DuplicateAsset(f"asset id {asset_id} (or its mark) is already registered")
    if idempotency_key is not None and find_by_idempotency(
        session, output.brand_id, idempotency_key
    ):
        raise DuplicateAsset(
            f"brand {output.brand_id} already used idempotency key {idempotency_key!r}"
        )
    # Named before it exists: a crash from here on leaves a journal that recovery follows
    # to delete the blob unless the asset row committed.
    _, (blob,) = seal_under_twin_key(
        session,
        deps,
        kind="asset",
        talent_id=output.talent_id,
        twin_id=output.twin_id,
        row=("assets", asset_id),
        contents=[(blob_role(asset_id), data)],
    )
    now = utcnow()
    asset = Asset(
        id=asset_id,
        mark=mark_of(asset_id),
        kind=kind,
        output_id=output.id,
        twin_id=output.twin_id,
        talent_id=output.talent_id,
        brand_id=output.brand_id,
        license_id=output.license_id,
        consent_id=output.consent_id,
        channel=channel,
        consent_sha256=consent_sha256,
        approval_sha256=approval_sha256,
        decision_sha256=decision_sha256 or output.decision_sha256,
        engine=output.engine,
        blob_key=blob,
        file_sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        size_bytes=len(data),
        status=AssetStatus.active,
        released_at=now,
        valid_until=valid_until,
        idempotency_key=idempotency_key,
        released_by_user_id=actor.user_id,
    )
    brand_id = output.brand_id  # the session is unusable once the flush fails
    try:
        repository.add(session, asset)
    except IntegrityError as exc:
        # A concurrent release with the same key committed first (no savepoint: its
        # commit would run the transaction's on-commit hooks early). The caller's
        # transaction is spoilt either way and rolls back, undoing the stored file.
        text = str(exc.orig)
        if idempotency_key is None or not (
            "uq_assets_idempotency" in text or "assets.idempotency_key" in text
        ):
            raise
        raise DuplicateAsset(
            f"brand {brand_id} already used idempotency key {idempotency_key!r}"
        ) from None
    record(
        session,
        actor,
        "asset.registered",
        "asset",
        asset.id,
        {
            "kind": kind.value,
            "mark": asset.mark,
            "output_id": output.id,
            "license_id": output.license_id,
            "brand_id": output.brand_id,
            "channel": channel,
            "file_sha256": asset.file_sha256,
            "valid_until": valid_until.isoformat(),
        },
    )
    return asset


def find_by_idempotency(session: Session, brand_id: str, key: str) -> Asset | None:
    """The asset a brand's earlier try with this idempotency key registered, if any."""
    return repository.by_idempotency(session, brand_id, key)


# --- reading -------------------------------------------------------------------------


def get_for(session: Session, actor: Actor, asset_id: str) -> Asset:
    """The asset, settled first, if the actor may see it; otherwise 404."""
    asset, _ = _settled(session, utcnow(), asset_id=asset_id, actor=actor)
    return asset


def list_for(
    session: Session,
    actor: Actor,
    *,
    status: AssetStatus | None = None,
    kind: AssetKind | None = None,
    talent_id: str | None = None,
    brand_id: str | None = None,
    license_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Asset]:
    """The assets the actor may see, newest last, settled first."""
    require_page(limit, offset, MAX_PAGE)
    settle(session, utcnow(), actor=actor)
    where = conditions(
        access.asset_filter(actor),
        (Asset.status, status),
        (Asset.kind, kind),
        (Asset.talent_id, talent_id),
        (Asset.brand_id, brand_id),
        (Asset.license_id, license_id),
    )
    return repository.list_assets(session, where, limit=limit, offset=offset)


def download_counts(session: Session, assets: Sequence[Asset]) -> dict[str, int]:
    """How many times each of these (already visible) assets' files was downloaded."""
    return repository.download_counts(session, [a.id for a in assets])


def active_releases_under(session: Session, license_ids: Sequence[str]) -> int:
    """Released images still active under these licenses: what brands must take down
    when the licenses end."""
    return repository.count_active_releases(session, license_ids)


def downloadable_by(relations: Collection[Relation], asset: Asset) -> bool:
    """The download rule: a brand gets only its *active releases*; the talent, their agent
    and operators may open any asset they can see (a reviewer sees previews)."""
    if Relation.talent in relations or Relation.agent in relations:
        return True
    if Relation.operator in relations:
        return True
    if Relation.brand in relations:
        return asset.kind is AssetKind.release and asset.status is AssetStatus.active
    return False


def read_file(
    session: Session, actor: Actor, deps: StorageDeps, asset_id: str
) -> tuple[Asset, bytes]:
    """The decrypted file, for someone allowed to download it; every download is audited."""
    asset, related = _settled(session, utcnow(), asset_id=asset_id, actor=actor)
    if not downloadable_by(related, asset):
        if asset.kind is not AssetKind.release:
            raise NotDownloadable(
                f"asset {asset.id} is a preview: previews are never downloadable by a brand"
            )
        raise NotDownloadable(
            f"asset {asset.id} is {asset.status.value}: only active releases are downloadable"
        )
    sealed = deps.blobs.get(asset.blob_key)
    data = deps.cipher.decrypt(twin_key_name(asset.twin_id), sealed, role=blob_role(asset.id))
    if hashlib.sha256(data).hexdigest() != asset.file_sha256:
        raise NotDownloadable(f"asset {asset.id}: the stored file does not match its digest")
    record(
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
            "as": sorted(r.value for r in related),
        },
    )
    return asset, data


# --- settling: what license and consent state mean for assets ------------------------


def asset_status(ending: Ending) -> AssetStatus:
    """What an end of rights makes of an active asset: ``expired`` or ``revoked``."""
    return AssetStatus(ending.kind.value)


def _settled(
    session: Session,
    now: datetime,
    *,
    asset_id: str | None = None,
    mark: str | None = None,
    actor: Actor | None = None,
) -> tuple[Asset, frozenset[Relation]]:
    """Every single-asset read: the asset by id or mark and, with ``actor``, the actor's
    relations to it (none: 404, so ids do not leak), settled first.

    One query in the common case: the asset comes with its license and use consent, and
    the assets of that license are ended (a write) only when the rule says its rights
    ended, from the rows already read; the update expires what it wrote, so the
    returned asset reads the new status."""
    found = repository.with_rights(session, asset_id=asset_id, mark=mark)
    if found is None:
        raise AssetNotFound(f"no asset {asset_id or mark}")
    asset, lic, consent = found
    related = access.require_related(session, actor, asset) if actor is not None else frozenset()
    if asset.status is AssetStatus.active:
        ending = rights_ending(lic, consent, now)
        if ending is not None:
            _end_assets_of(session, now, lic, ending)
    return asset, related


def settle(
    session: Session,
    now: datetime,
    *,
    license_ids: Collection[str] | None = None,
    actor: Actor | None = None,
) -> list[Asset]:
    """Mark the active assets of licenses whose rights ended (the shared rule
    :func:`likeness.licensing.rules.rights_ending`: the license ended or ran past its
    term, or its use consent was revoked or ran out) expired or revoked, with their
    take-down date; one audit event per asset. Idempotent (only active assets
    change, each with a compare-and-set), so any read path may run it. ``license_ids``
    limits the work to those licenses (a single-asset read); ``actor`` to the licenses
    that actor may see (a list: a brand's read settles its own licenses only)."""
    scope = license_access.license_filter(actor) if actor is not None else None
    endings: list[tuple[License, Ending]] = []
    for lic, consent in repository.ended_rights_with_active_assets(
        session, now, license_ids, scope
    ):
        ending = rights_ending(lic, consent, now)
        if ending is not None:
            endings.append((lic, ending))
    changed: list[Asset] = []
    for lic, ending in endings:
        changed.extend(_end_assets_of(session, now, lic, ending))
    return changed


def _end_assets_of(session: Session, now: datetime, lic: License, ending: Ending) -> list[Asset]:
    """Mark every active asset of ``lic`` expired or revoked by ``ending``, with its
    take-down date and one audit event each (compare-and-set: a concurrent settle that
    won already recorded it)."""
    changed: list[Asset] = []
    takedown_by = ending.at + timedelta(days=terms_of(lic).takedown_days)
    for asset in repository.active_assets(session, lic.id):
        # Read before the update: a won update expires the columns it wrote.
        details = {
            "license_id": lic.id,
            "brand_id": asset.brand_id,
            "kind": asset.kind.value,
            "reason": ending.reason[:500],
            "effective_at": ending.at.isoformat(),
            "takedown_by": takedown_by.isoformat(),
        }
        won = repository.set_status(
            session,
            asset.id,
            [AssetStatus.active],
            {
                "status": asset_status(ending),
                "status_changed_at": now,
                "status_reason": ending.reason[:500],
                "takedown_by": takedown_by,
            },
        )
        if not won:
            continue
        record(
            session,
            SYSTEM_ACTOR,
            f"asset.{asset_status(ending).value}",
            "asset",
            asset.id,
            details,
        )
        changed.append(asset)
    return changed


# --- views ---------------------------------------------------------------------------


def to_read(session: Session, asset: Asset) -> AssetRead:
    """One asset with its publications."""
    read = AssetRead.model_validate(asset)
    read.publications = [
        PublicationRead.model_validate(p) for p in repository.publications_of(session, asset.id)
    ]
    return read


def to_reads(session: Session, rows: Sequence[Asset]) -> list[AssetRead]:
    """Many assets with their publications, in two queries."""
    found = repository.publications_of_many(session, [a.id for a in rows])
    reads = []
    for asset in rows:
        read = AssetRead.model_validate(asset)
        read.publications = [PublicationRead.model_validate(p) for p in found.get(asset.id, [])]
        reads.append(read)
    return reads


# --- publication reports -------------------------------------------------------------


def _publication_moment(published_on: date, now: datetime) -> datetime:
    """When the decision is asked for: now for today, noon UTC for an earlier day."""
    if published_on == now.date():
        return now
    return datetime.combine(published_on, time(12), tzinfo=UTC)


def _category_of(session: Session, asset: Asset) -> str | None:
    output = session.get(Output, asset.output_id)
    if output is None:
        return None
    try:
        category = json.loads(output.use_json).get("category")
    except (ValueError, AttributeError):
        return None
    return str(category) if category else None


def check_url(url: str | None) -> str | None:
    if url is None:
        return None
    url = url.strip()
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", url, flags=re.IGNORECASE):
        raise InvalidAsset(f"url must be an http(s) address, got {url!r}")
    return url


def publish_decision(session: Session, asset: Asset, use: UseRequest) -> Decision:
    """The decision point, asked about this asset's own license only (never another one
    the brand may hold): everything about the talent, but just this license."""
    named = dataclasses.replace(use, license_id=asset.license_id)
    return decide(named, decision_point.load_facts(session, asset.talent_id))


def report_publication(
    session: Session, actor: Actor, asset_id: str, data: PublicationIn
) -> Publication:
    """A brand reports where it published a release. The decision point checks action
    ``publish`` on that channel and territory under the asset's license: a deny is an
    error and nothing is stored; an allow stores the report (a usage event) and audits it."""
    now = utcnow()
    asset, related = _settled(session, now, asset_id=asset_id, actor=actor)
    if Relation.brand not in related:
        raise Forbidden("only a member of the brand that released it may report a publication")
    if asset.kind is not AssetKind.release:
        raise PublicationRefused(f"asset {asset.id} is a preview: previews are never published")
    if data.published_on > now.date():
        raise InvalidAsset(f"published_on {data.published_on} is in the future")
    if data.published_on < asset.released_at.date():
        raise InvalidAsset(
            f"published_on {data.published_on} is before the release ({asset.released_at.date()})"
        )
    url = check_url(data.url)
    try:
        use = UseRequest(
            talent_id=asset.talent_id,
            twin_id=asset.twin_id,
            brand_id=asset.brand_id,
            action=Action.publish,
            channel=data.channel,
            territory=data.territory,
            category=_category_of(session, asset),
            at=_publication_moment(data.published_on, now),
        )
    except InvalidUse as exc:
        raise InvalidAsset(exc.message) from None
    decision = publish_decision(session, asset, use)
    if not decision.allow:
        why = "; ".join(r.message for r in decision.reasons) or "no license covers it"
        raise PublicationRefused(f"publishing asset {asset.id} there is not allowed: {why}")
    digest = sha256_hex(canonical_json(decision.to_dict()).encode("utf-8"))
    publication = Publication(
        asset_id=asset.id,
        brand_id=asset.brand_id,
        license_id=asset.license_id,
        channel=use.channel,
        territory=use.territory or data.territory,
        published_on=data.published_on,
        url=url,
        decision_sha256=digest,
        reported_by_user_id=actor.user_id,
    )
    repository.add_publication(session, publication)
    record(
        session,
        actor,
        "asset.publication_reported",
        "asset",
        asset.id,
        {
            "publication_id": publication.id,
            "license_id": asset.license_id,
            "channel": publication.channel,
            "territory": publication.territory,
            "published_on": publication.published_on.isoformat(),
            "url": url,
            "decision_sha256": digest,
        },
    )
    return publication


def publications_for(session: Session, actor: Actor, asset_id: str) -> Sequence[Publication]:
    asset, _ = access.get_asset_for(session, actor, asset_id)
    return repository.publications_of(session, asset.id)


# --- take-downs ----------------------------------------------------------------------


def takedowns_for(
    session: Session, actor: Actor, *, brand_id: str | None = None
) -> list[TakedownRead]:
    """Exactly what must come down, by when: released assets of the actor's scope whose
    license ended or whose consent was revoked, not yet confirmed taken down, earliest
    deadline first, each with the places the brand reported publishing it."""
    settle(session, utcnow(), actor=actor)
    where = conditions(access.asset_filter(actor), (Asset.brand_id, brand_id))
    rows = repository.takedowns(session, where)
    found = repository.publications_of_many(session, [a.id for a in rows])
    return [
        TakedownRead(
            asset_id=a.id,
            brand_id=a.brand_id,
            license_id=a.license_id,
            channel=a.channel,
            status=a.status,
            reason=a.status_reason,
            takedown_by=a.takedown_by,
            publications=[PublicationRead.model_validate(p) for p in found.get(a.id, [])],
        )
        for a in rows
    ]


def mark_taken_down(session: Session, actor: Actor, asset_id: str, note: str | None) -> Asset:
    """The brand confirms it removed the asset everywhere (audited); it is then never
    downloadable again. Allowed from any state but ``taken_down``."""
    now = utcnow()
    asset, related = _settled(session, now, asset_id=asset_id, actor=actor)
    if Relation.brand not in related:
        raise Forbidden("only a member of the brand that released it may confirm a take-down")
    if asset.status is AssetStatus.taken_down:
        raise AlreadyTakenDown(f"asset {asset.id} was already taken down")
    before = asset.status
    won = repository.set_status(
        session,
        asset.id,
        [before],
        {
            "status": AssetStatus.taken_down,
            "status_changed_at": now,
            "status_reason": (note or "taken down by the brand")[:500],
        },
    )
    if not won:
        raise AlreadyTakenDown(f"asset {asset.id} changed at the same time; reload it")
    late = asset.takedown_by is not None and now > asset.takedown_by
    record(
        session,
        actor,
        "asset.taken_down",
        "asset",
        asset.id,
        {
            "from": before.value,
            "note": note,
            "takedown_by": asset.takedown_by.isoformat() if asset.takedown_by else None,
            "late": late,
        },
    )
    return asset


# --- lookups: verify and the public endpoint ----------------------------------------------


def normalise_ref(ref: str) -> str:
    text = ref.strip().lower().replace("-", "")
    if _HEX32.fullmatch(text) or _HEX16.fullmatch(text):
        return text
    raise AssetNotFound(f"{ref!r} is neither an asset id (32 hex digits) nor a mark (16)")


def lookup(session: Session, ref: str) -> Asset | None:
    """The asset an id or a 16-hex mark names (settled first), or None."""
    text = normalise_ref(ref)
    by_id = len(text) == 32
    try:
        asset, _ = _settled(
            session, utcnow(), asset_id=text if by_id else None, mark=None if by_id else text
        )
    except AssetNotFound:
        return None
    return asset


def public_lookup(session: Session, ref: str) -> PublicVerifyRead:
    """What anybody may learn from an asset id or mark: authorised release or not,
    AI-generated, status, valid until. No names, fees, emails or internal ids."""
    asset = lookup(session, ref)
    if asset is None:
        raise AssetNotFound(f"{ref.strip()} is not a registered Likeness asset")
    return PublicVerifyRead(
        asset_id=asset.id,
        mark=asset.mark,
        kind=asset.kind,
        authorised_release=asset.kind is AssetKind.release and asset.status is AssetStatus.active,
        status=asset.status,
        channel=asset.channel,
        released_at=asset.released_at,
        valid_until=asset.valid_until,
        takedown_by=asset.takedown_by,
    )


@dataclass(frozen=True)
class VerifyClaim:
    """Which registered asset an image may be said to be, and why (or why not)."""

    #: The asset id or mark to look up; None: nothing trustworthy names one.
    ref: str | None
    #: ``manifest`` (the manifest named it: the watermark agrees, or a Trusted signer
    #: stands behind it) or ``watermark`` (the watermark's mark alone).
    matched_by: str | None
    #: Said plainly when the image's claims cannot be believed.
    problem: str | None = None


def verify_claim(
    manifest_asset_id: str | None, manifest_trusted: bool, watermark_mark: str | None
) -> VerifyClaim:
    """The rule behind ``likeness verify``'s registry lookup (pure).

    Anyone can sign a manifest (a self-signed one is ``Valid``, not ``Trusted``) and
    write a real asset id into it; only the platform's watermark key embeds a mark. So
    the asset id of a manifest counts when the watermark's mark is that id's mark, or,
    with no watermark read, when the manifest's signer is Trusted. When the two disagree
    the watermark wins (the asset whose mark it carries, if any) and the mismatch is
    reported."""
    manifest_id = manifest_asset_id.strip().lower().replace("-", "") if manifest_asset_id else ""
    mark = watermark_mark.strip().lower() if watermark_mark else ""
    if manifest_id and mark:
        if mark_of(manifest_id) == mark:
            return VerifyClaim(manifest_id, "manifest")
        return VerifyClaim(
            mark,
            "watermark",
            f"the manifest names asset {manifest_id}, but the watermark carries mark {mark}, "
            "which is not that asset's: the manifest's claim is not believed",
        )
    if manifest_id:
        if manifest_trusted:
            return VerifyClaim(manifest_id, "manifest")
        return VerifyClaim(
            None,
            None,
            f"the manifest names asset {manifest_id}, but its signer is not trusted and no "
            "watermark confirms it: not looked up in the registry",
        )
    if mark:
        return VerifyClaim(mark, "watermark")
    return VerifyClaim(None, None)


def claims_of(report: Report) -> tuple[str | None, str | None]:
    """The asset id an intact manifest names and the watermark's mark, as a verify report
    carries them (a tampered manifest names nothing)."""
    manifest = report.c2pa.manifest
    manifest_id = None
    if report.c2pa_intact and manifest is not None and manifest.likeness:
        value = manifest.likeness.get("asset_id")
        manifest_id = str(value) if value else None
    mark = report.watermark.payload_hex if report.watermark.found else None
    return manifest_id, mark


def verify_report_block(
    session: Session, report: Report
) -> tuple[AssetVerifyBlock | None, str | None]:
    """:func:`verify_block` for what a verify report read from an image (``likeness
    verify`` and the portal's verify page)."""
    manifest_id, mark = claims_of(report)
    if manifest_id is None and mark is None:
        return None, None
    return verify_block(session, manifest_id, mark, manifest_trusted=report.c2pa.state == "Trusted")


def public_name_of(session: Session, talent_id: str) -> str | None:
    """The name a talent chose to be known by in public (the stage name), or None: the
    legal name is never shown to the public."""
    talent = session.get(TalentProfile, talent_id)
    return talent.stage_name if talent is not None and talent.stage_name else None


def verify_block(
    session: Session,
    manifest_asset_id: str | None,
    watermark_mark: str | None,
    *,
    manifest_trusted: bool,
) -> tuple[AssetVerifyBlock | None, str | None]:
    """The ``asset`` block of a verify report and a problem to say plainly, if any. The
    asset is the one :func:`verify_claim` allows (None if it is not registered)."""
    claim = verify_claim(manifest_asset_id, manifest_trusted, watermark_mark)
    if claim.ref is None or claim.matched_by is None:
        return None, claim.problem
    try:
        found = lookup(session, claim.ref)
    except AssetNotFound:  # not an id or a mark at all
        found = None
    if found is None:
        return None, claim.problem
    block = AssetVerifyBlock(
        id=found.id,
        kind=found.kind,
        talent=found.talent_id,
        brand=found.brand_id,
        license=found.license_id,
        channel=found.channel,
        released_at=found.released_at,
        valid_until=found.valid_until,
        status=found.status,
        matched_by=claim.matched_by,
    )
    return block, claim.problem
