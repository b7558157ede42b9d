"""The catalogue's use cases: a talent writes, pictures or withdraws their listing; brands
and operators browse it. Services flush, never commit; every change is audited."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence

from PIL import Image, ImageOps
from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from likeness.audit import service as audit
from likeness.catalogue import access, repository, rules
from likeness.catalogue.errors import InvalidListing, ListingNotFound, PreviewTooLarge
from likeness.catalogue.schemas import ListingIn, ListingRead
from likeness.identity.actor import Actor
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json, canonical_sha256, sha256_hex
from likeness.kit.clock import utcnow
from likeness.models.catalogue import CatalogueListing, CataloguePreview
from likeness.models.party import Role
from likeness.policy import LicenseStatus
from likeness.provenance import (
    CATALOGUE_MARK_TEXT,
    ImageRejected,
    StampConfig,
    mark_preview,
    sniff_format,
)

#: The largest picture a talent may upload (it is scaled down before anything is kept).
MAX_PREVIEW_UPLOAD_BYTES = 8 * 1024 * 1024
#: The most pixels an upload may decode to (a decompression bomb is refused unread).
MAX_PREVIEW_UPLOAD_PIXELS = 50_000_000
PREVIEW_MEDIA_TYPE = "image/jpeg"


def _values(listing: rules.Listing) -> dict[str, object]:
    return {
        "public_name": listing.public_name,
        "bio": listing.bio,
        "channels": canonical_json(list(listing.channels)),
        "categories": canonical_json(list(listing.categories)),
        "currency": listing.currency,
        "rates": canonical_json(dict(listing.rates)),
    }


def to_read(listing: CatalogueListing, preview_sha256: str | None) -> ListingRead:
    return ListingRead(
        talent_id=listing.talent_id,
        opted_in=listing.opted_in,
        public_name=listing.public_name,
        bio=listing.bio,
        channels=json.loads(listing.channels),
        categories=json.loads(listing.categories),
        currency=listing.currency,
        rates_minor=json.loads(listing.rates),
        preview=preview_sha256 is not None,
        preview_sha256=preview_sha256,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
    )


def to_reads(session: Session, listings: Sequence[CatalogueListing]) -> list[ListingRead]:
    """The read models of a page of listings, with one query for their pictures."""
    digests = repository.preview_digests(session, [row.talent_id for row in listings])
    return [to_read(row, digests.get(row.talent_id)) for row in listings]


def read(session: Session, listing: CatalogueListing) -> ListingRead:
    return to_reads(session, [listing])[0]


def own_talent(actor: Actor, talent_id: str | None) -> str:
    """The talent a command acts on: the one named, else the caller's own profile."""
    if talent_id:
        return talent_id
    if actor.talent_id:
        return actor.talent_id
    raise ListingNotFound("name the talent (--talent): you have no talent profile")


def save(session: Session, actor: Actor, talent_id: str, data: ListingIn) -> CatalogueListing:
    """Write the talent's listing (create or replace it whole): the talent only."""
    access.require_owner(session, actor, talent_id)
    checked = rules.check_listing(
        data.public_name, data.bio, data.channels, data.categories, data.currency, data.rates_minor
    )
    values = _values(checked)
    listing = repository.listing_of(session, talent_id)
    was_opted_in = listing.opted_in if listing is not None else False
    now = utcnow()
    if listing is None:
        listing = CatalogueListing(talent_id=talent_id, opted_in=data.opted_in, **values)
        listing.updated_at = now
        session.add(listing)
    else:
        for name, value in values.items():
            setattr(listing, name, value)
        listing.opted_in = data.opted_in
        listing.updated_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "catalogue.listing_saved",
        "talent",
        talent_id,
        {
            "opted_in": data.opted_in,
            "was_opted_in": was_opted_in,
            "listing_sha256": canonical_sha256({**values, "opted_in": data.opted_in}),
        },
    )
    return listing


def withdraw(session: Session, actor: Actor, talent_id: str) -> None:
    """Take the talent out of the catalogue: the listing and its picture are deleted."""
    access.require_owner(session, actor, talent_id)
    listing = repository.listing_of(session, talent_id)
    if listing is None:
        raise ListingNotFound(f"no catalogue listing for talent {talent_id}")
    had_preview = repository.delete_preview(session, talent_id)
    session.delete(listing)
    session.flush()
    audit.record(
        session,
        actor,
        "catalogue.withdrawn",
        "talent",
        talent_id,
        {"was_opted_in": listing.opted_in, "preview_deleted": had_preview},
    )


def _scaled_jpeg(data: bytes) -> tuple[bytes, int, int]:
    """The upload scaled for the catalogue, as a JPEG without any of its metadata."""
    if len(data) > MAX_PREVIEW_UPLOAD_BYTES:
        raise PreviewTooLarge(f"the picture is over the {MAX_PREVIEW_UPLOAD_BYTES}-byte limit")
    if sniff_format(data) is None:
        raise ImageRejected("the picture is not a JPEG, PNG or WebP image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PREVIEW_UPLOAD_PIXELS:
                raise ImageRejected(f"the picture is {image.width}×{image.height}: too large")
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRejected(f"cannot read the picture: {exc}") from None
    width, height = rules.preview_size(upright.width, upright.height)
    scaled = upright.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    scaled.save(out, format="JPEG", quality=92, subsampling=0)
    return out.getvalue(), width, height


def set_preview(
    session: Session,
    actor: Actor,
    talent_id: str,
    data: bytes,
    stamp_config: StampConfig | Callable[[], StampConfig],
) -> CatalogueListing:
    """Put the talent's catalogue picture on file: scaled down, stamped with the visible
    "CATALOGUE PREVIEW — not for publication" band and an invisible watermark whose
    payload no registry knows (so verify never takes it for a release). Only the stamped
    image is kept. The talent's listing must exist."""
    access.require_owner(session, actor, talent_id)
    listing = repository.listing_of(session, talent_id)
    if listing is None:
        raise ListingNotFound(f"no catalogue listing for talent {talent_id}: save one first")
    jpeg, width, height = _scaled_jpeg(data)
    config = stamp_config if isinstance(stamp_config, StampConfig) else stamp_config()
    stamped = mark_preview(jpeg, config, text=CATALOGUE_MARK_TEXT)
    digest = sha256_hex(stamped)
    preview = repository.preview_of(session, talent_id)
    if preview is None:
        preview = CataloguePreview(talent_id=talent_id)
        session.add(preview)
    preview.image = stamped
    preview.media_type = PREVIEW_MEDIA_TYPE
    preview.sha256 = digest
    preview.width = width
    preview.height = height
    preview.created_at = utcnow()
    listing.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "catalogue.preview_set",
        "talent",
        talent_id,
        {"sha256": digest, "width": width, "height": height, "upload_sha256": sha256_hex(data)},
    )
    return listing


def remove_preview(session: Session, actor: Actor, talent_id: str) -> CatalogueListing:
    access.require_owner(session, actor, talent_id)
    listing = repository.listing_of(session, talent_id)
    if listing is None or not repository.delete_preview(session, talent_id):
        raise ListingNotFound(f"talent {talent_id} has no catalogue picture")
    listing.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "catalogue.preview_removed", "talent", talent_id, {})
    return listing


def _slug_filter(column: InstrumentedAttribute[str], value: str | None) -> ColumnElement[bool]:
    """Listings whose canonical JSON list holds ``value`` (a slug has no quote to escape)."""
    if value is None:
        return true()
    problems: list[str] = []
    found = rules.slugs([value], "filter", problems)
    if problems:
        raise InvalidListing("; ".join(problems))
    return column.contains(f'"{found[0]}"')


def browse(
    session: Session,
    actor: Actor,
    *,
    channel: str | None = None,
    category: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[CatalogueListing]:
    """The opted-in listings, by public name; brands and operators only. ``channel`` and
    ``category`` keep those that accept it."""
    access.require_browser(actor)
    require_page(limit, offset, MAX_PAGE)
    where = (
        CatalogueListing.opted_in.is_(True)
        & _slug_filter(CatalogueListing.channels, channel)
        & _slug_filter(CatalogueListing.categories, category)
    )
    return repository.list_listings(session, where, limit=limit, offset=offset)


def get(session: Session, actor: Actor, talent_id: str) -> CatalogueListing:
    return access.get_listing_for(session, actor, talent_id)


def preview(session: Session, actor: Actor, talent_id: str) -> CataloguePreview:
    """The stamped catalogue picture, for whoever may see the listing."""
    access.get_listing_for(session, actor, talent_id)
    found = repository.preview_of(session, talent_id)
    if found is None:
        raise ListingNotFound(f"talent {talent_id} has no catalogue picture")
    return found


#: License states in which a brand has licensed a talent (terms agreed at some point): the
#: brand is then entitled to the talent's public (stage) name even when they are not listed.
LICENSED = (
    LicenseStatus.accepted,
    LicenseStatus.active,
    LicenseStatus.suspended,
    LicenseStatus.expired,
    LicenseStatus.revoked,
)


def names(session: Session, actor: Actor, talent_ids: Sequence[str]) -> dict[str, str]:
    """talent id → the name a page may show this actor: the public name of the talent's
    listing where the actor may see it; for a brand, else the talent's public (stage) name
    when one of its brands licensed them. Talents left out get a neutral label on the page;
    a private (legal or display) name is never returned."""
    wanted = sorted(set(talent_ids))
    rows = repository.listings_of(session, wanted)
    found = {row.talent_id: row.public_name for row in rows if access.may_see(session, actor, row)}
    if actor.role is Role.brand and not actor.is_operator:
        unnamed = [t for t in wanted if t not in found]
        found |= repository.stage_names_licensed_by(
            session, sorted(actor.brand_ids), unnamed, LICENSED
        )
    return found
