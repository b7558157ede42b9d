"""The catalogue: what a talent chose to show brands looking for someone to license.

A talent is in the catalogue only while a :class:`CatalogueListing` of theirs says
``opted_in``; brands then see exactly the listing's fields (a public name, a short bio,
the channels and categories the talent accepts, indicative rates in one currency) and its
preview, never the talent's legal name or account. ``channels``, ``categories`` and
``rates`` are canonical JSON (a list of slugs; ``{channel: minor units}``).

A :class:`CataloguePreview` is the talent's chosen picture as brands see it: scaled down,
stamped with the visible "CATALOGUE PREVIEW — not for publication" band and an invisible
watermark. Only the stamped image is kept, never the original; it lives in the database
(a few hundred kilobytes, one per talent at most) and is read only when asked for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.kit.clock import utcnow
from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime


class CatalogueListing(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "catalogue_listings"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    opted_in: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    public_name: Mapped[str] = mapped_column(String(200), nullable=False)
    bio: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    #: Canonical JSON list of channel slugs the talent accepts.
    channels: Mapped[str] = mapped_column(Text, nullable=False)
    #: Canonical JSON list of category slugs the talent accepts.
    categories: Mapped[str] = mapped_column(Text, nullable=False)
    #: ISO 4217 currency of the indicative rates (None: no rates shown).
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    #: Canonical JSON ``{channel: minor units}``: indicative rate per published use.
    rates: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CataloguePreview(CreatedAtMixin, Base):
    __tablename__ = "catalogue_previews"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    image: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    media_type: Mapped[str] = mapped_column(String(32), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
