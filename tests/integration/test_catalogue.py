"""The catalogue against a real database: who sees which listing, who writes it, the
stamped picture, the audit events."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.output_support import stamp_config
from integration.test_license_support import World
from likeness.catalogue import service
from likeness.catalogue.errors import InvalidListing, ListingNotFound
from likeness.catalogue.schemas import ListingIn
from likeness.errors import Forbidden, NotFound
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.models.audit import AuditEvent
from likeness.models.catalogue import CatalogueListing, CataloguePreview
from likeness.provenance import ImageRejected, StampConfig, library_watermarker


def listing_in(**changes: object) -> ListingIn:
    data: dict[str, object] = {
        "public_name": "Ada O.",
        "bio": "Runway and e-commerce, Paris based.",
        "channels": ["Instagram", "web", "instagram"],
        "categories": ["fashion", "beauty"],
        "currency": "eur",
        "rates_minor": {"instagram": 150_000},
    }
    data.update(changes)
    return ListingIn.model_validate(data)


def picture(width: int = 640, height: int = 800, fmt: str = "PNG") -> bytes:
    rows, columns = np.mgrid[0:height, 0:width]
    pixels = np.stack(
        [60 + 120 * rows / height, 90 + 100 * columns / width, np.full(rows.shape, 140.0)],
        axis=-1,
    ).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt)
    return out.getvalue()


def real_watermark_config(keys: Path) -> StampConfig:
    """The installation's watermarker (the tests' fake one does not survive the band and a
    JPEG encoding on every payload)."""
    fake = stamp_config(keys)
    return StampConfig(fake.signing, library_watermarker(), bytes(range(32)))


def actions(session: Session, talent_id: str) -> list[str]:
    rows = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == talent_id, AuditEvent.action.like("catalogue.%"))
        .order_by(AuditEvent.seq)
    )
    return list(rows)


def test_a_brand_finds_only_opted_in_talent_as_they_chose_to_be_shown(
    session: Session, world: World
) -> None:
    talent = world.actor(session, "talent")
    brand = world.actor(session, "brand")
    assert service.browse(session, brand) == []  # issue 20: nothing to find before
    saved = service.save(session, talent, world.talent.id, listing_in())
    read = service.read(session, saved)
    assert read.channels == ["instagram", "web"]  # normalised, each once, in order
    assert read.currency == "EUR" and read.rates_minor == {"instagram": 150_000}
    found = service.to_reads(session, service.browse(session, brand))
    assert [r.talent_id for r in found] == [world.talent.id]
    shown = found[0].model_dump()
    assert world.talent.legal_name not in str(shown) and "email" not in shown
    assert service.browse(session, brand, channel="web", category="beauty")
    assert service.browse(session, brand, channel="tiktok") == []
    assert service.browse(session, brand, category="lingerie") == []
    service.save(session, talent, world.talent.id, listing_in(opted_in=False))
    assert service.browse(session, brand) == []
    with pytest.raises(ListingNotFound):
        service.get(session, brand, world.talent.id)
    # the talent and their agent still see the hidden listing; a stranger agent does not
    assert service.get(session, talent, world.talent.id).opted_in is False
    assert service.get(session, world.actor(session, "agent"), world.talent.id)
    with pytest.raises(ListingNotFound):
        service.get(session, world.actor(session, "stranger_agent"), world.talent.id)
    assert actions(session, world.talent.id) == [
        "catalogue.listing_saved",
        "catalogue.listing_saved",
    ]


@pytest.mark.parametrize("who", ["talent", "agent", "stranger_agent"])
def test_only_brands_and_operators_browse(session: Session, world: World, who: str) -> None:
    with pytest.raises(Forbidden):
        service.browse(session, world.actor(session, who))
    assert service.browse(session, SYSTEM_ACTOR) == []


@pytest.mark.parametrize("who", ["agent", "brand", "operator", "other_talent"])
def test_only_the_talent_writes_their_listing(session: Session, world: World, who: str) -> None:
    actor = world.actor(session, who) if who != "operator" else SYSTEM_ACTOR
    with pytest.raises(Forbidden):
        service.save(session, actor, world.talent.id, listing_in())
    assert session.scalars(select(CatalogueListing)).all() == []
    with pytest.raises(NotFound):
        service.save(session, world.actor(session, "talent"), "0" * 32, listing_in())


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"channels": ["Insta gram"]}, "not a lower-case slug"),
        ({"rates_minor": {"tiktok": 5}}, "which is not accepted"),
        ({"currency": None}, "rates need a currency"),
        ({"currency": "XYZ"}, "ISO 4217"),
        ({"public_name": "   "}, "public name must not be empty"),
        ({"bio": "a\x00b"}, "plain text"),
    ],
)
def test_a_bad_listing_names_its_problem_and_stores_nothing(
    session: Session, world: World, changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidListing, match=problem):
        service.save(
            session, world.actor(session, "talent"), world.talent.id, listing_in(**changes)
        )
    assert session.scalars(select(CatalogueListing)).all() == []
    assert actions(session, world.talent.id) == []


def test_the_picture_is_kept_scaled_stamped_and_watermarked(
    session: Session, world: World, tmp_path: Path
) -> None:
    talent = world.actor(session, "talent")
    config = real_watermark_config(tmp_path / "keys")
    with pytest.raises(ListingNotFound, match="save one first"):
        service.set_preview(session, talent, world.talent.id, picture(), config)
    service.save(session, talent, world.talent.id, listing_in())
    original = picture(1200, 1500)
    service.set_preview(session, talent, world.talent.id, original, config)
    brand = world.actor(session, "brand")
    stored = service.preview(session, brand, world.talent.id)
    assert stored.media_type == "image/jpeg" and stored.image != original
    assert (stored.width, stored.height) == (640, 800)  # longest side 800, proportions kept
    image = np.asarray(Image.open(io.BytesIO(stored.image)).convert("RGB"))
    assert image.shape == (800, 640, 3)
    found = library_watermarker().detect(image, config.watermark_key)
    assert found.found and found.payload is not None  # random: no registry knows it
    # the visible band: the lower third differs from the scaled original there
    scaled = np.asarray(Image.open(io.BytesIO(original)).convert("RGB").resize((640, 800)))
    band = np.abs(image[533:, :].astype(int) - scaled[533:, :].astype(int)).mean()
    top = np.abs(image[:200, :].astype(int) - scaled[:200, :].astype(int)).mean()
    assert band > 3 * top
    assert service.read(session, service.get(session, brand, world.talent.id)).preview
    with pytest.raises(Forbidden):
        service.set_preview(
            session, world.actor(session, "agent"), world.talent.id, original, config
        )
    with pytest.raises(ImageRejected):
        service.set_preview(session, talent, world.talent.id, b"not an image", config)
    with pytest.raises(InvalidListing, match="at least 256"):
        service.set_preview(session, talent, world.talent.id, picture(100, 400), config)
    service.remove_preview(session, talent, world.talent.id)
    with pytest.raises(ListingNotFound):
        service.preview(session, brand, world.talent.id)
    assert actions(session, world.talent.id) == [
        "catalogue.listing_saved",
        "catalogue.preview_set",
        "catalogue.preview_removed",
    ]


def test_withdrawing_deletes_the_listing_and_its_picture(
    session: Session, world: World, tmp_path: Path
) -> None:
    talent = world.actor(session, "talent")
    service.save(session, talent, world.talent.id, listing_in())
    service.set_preview(session, talent, world.talent.id, picture(), stamp_config(tmp_path / "k"))
    with pytest.raises(Forbidden):
        service.withdraw(session, world.actor(session, "agent"), world.talent.id)
    service.withdraw(session, talent, world.talent.id)
    assert session.scalars(select(CatalogueListing)).all() == []
    assert session.scalars(select(CataloguePreview)).all() == []
    with pytest.raises(ListingNotFound):
        service.withdraw(session, talent, world.talent.id)
    assert actions(session, world.talent.id)[-1] == "catalogue.withdrawn"


def test_a_brand_names_unlisted_talent_it_licensed_by_their_public_name_only(
    session: Session, world: World
) -> None:
    """Issue 20: the asset library named unlisted talent by id. A brand that licensed them
    gets their public (stage) name; any other brand gets nothing (a neutral label); the
    legal name is never given."""
    from integration.test_license_support import to_status

    brand = world.actor(session, "brand")
    other = world.actor(session, "other_brand")
    talent_id = world.talent.id
    world.talent.stage_name = "Ada Stage"
    session.flush()
    to_status(session, world, "requested")
    assert service.names(session, brand, [talent_id]) == {}  # a request licenses nothing
    to_status(session, world, "active")
    assert service.names(session, brand, [talent_id]) == {talent_id: "Ada Stage"}
    assert service.names(session, other, [talent_id]) == {}  # not their license
    world.talent.stage_name = None
    session.flush()
    assert service.names(session, brand, [talent_id]) == {}  # no public name: never the legal
    # a listing the brand may see wins over the stage name
    service.save(session, world.actor(session, "talent"), talent_id, listing_in())
    assert service.names(session, brand, [talent_id]) == {talent_id: "Ada O."}
    assert service.names(session, other, [talent_id]) == {talent_id: "Ada O."}
    assert world.talent.legal_name not in str(service.names(session, brand, [talent_id]))
