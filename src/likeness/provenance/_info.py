"""The value object that says what a released image is and may disclose."""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from likeness import __version__
from likeness.provenance._channels import Channel
from likeness.provenance._errors import StampRefused
from likeness.provenance._formats import sniff_format
from likeness.provenance._image import MAX_INPUT_BYTES

IPTC_DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_DIGITAL_SOURCE_TYPE + "trainedAlgorithmicMedia"
# Relit composites: see docs/decisions/0005-provenance.md for why not compositeCapture.
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = (
    IPTC_DIGITAL_SOURCE_TYPE + "compositeWithTrainedAlgorithmicMedia"
)

DEFAULT_LABEL_TEXT = "AI-generated"
MAX_LABEL_CHARS = 40
MAX_TEXT_FIELD_CHARS = 200
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
#: What a stamped image is: a release (an approved output, for one channel) or a preview
#: (what a reviewer sees, marked "not for publication"). Absent in older images: release.
ASSET_KINDS = ("release", "preview")
PREVIEW_MARK_TEXT = "PREVIEW \u2014 not for publication"
#: The band across a talent's catalogue picture (brands browse it; nobody may publish it).
CATALOGUE_MARK_TEXT = "CATALOGUE PREVIEW \u2014 not for publication"
MAX_ENGINE_CHARS = 64
#: Model files one image may name (an SDXL folder with LoRAs and ControlNets stays far below).
MAX_MODELS = 32
#: Seeds are recorded as unsigned 64-bit integers (what every sampler we know accepts).
MAX_SEED = 2**64 - 1


class SourceKind(enum.StrEnum):
    """How the pixels came to be; decides the IPTC digital source type."""

    GENERATED = "generated"
    RELIT_COMPOSITE = "relit-composite"

    @property
    def digital_source_type(self) -> str:
        if self is SourceKind.GENERATED:
            return TRAINED_ALGORITHMIC_MEDIA
        return COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def label_text_is_drawable(text: str) -> bool:
    """True when the bundled font covers every character (Latin-1, Latin Extended-A)."""
    return all(
        0x20 <= ord(ch) <= 0x7E or 0xA0 <= ord(ch) <= 0x17F or 0x2010 <= ord(ch) <= 0x2027
        for ch in text
    )


def _check_uuid(name: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise StampRefused(f"{name} must be a UUID, got {value!r}") from None


def _check_sha256(name: str, value: str | None) -> None:
    if not isinstance(value, str) or not _SHA256_HEX.fullmatch(value):
        raise StampRefused(f"{name} must be a lower-case SHA-256 hex digest")


def _check_text(name: str, value: str, limit: int) -> None:
    if not value.strip() or len(value) > limit:
        raise StampRefused(f"{name} must be 1 to {limit} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise StampRefused(f"{name} must not contain control characters")


@dataclass(frozen=True)
class StampInfo:
    """Everything :func:`~likeness.provenance.stamp` writes into a released image.

    ``consent_sha256`` and ``approval_sha256`` are digests of the use consent and
    the approval record, so the manifest proves which records authorised the
    release without carrying any of their content. ``talent_credit`` is the name
    written as credit line; leave it ``None`` unless the license allows naming
    the talent.

    ``asset_kind`` says what the image is: ``"release"`` (the default; needs the
    approval digest and a channel) or ``"preview"`` (what a reviewer sees before any
    approval, stamped by :func:`~likeness.provenance.stamp_preview`: no approval yet,
    no channel). ``engine`` names what made the pixels (``studio``, a generator).
    """

    asset_id: str
    twin_id: str
    license_id: str
    consent_sha256: str
    approval_sha256: str | None
    channel: Channel | None
    kind: SourceKind = SourceKind.GENERATED
    license_requires_label: bool = False
    talent_credit: str | None = None
    label_text: str = DEFAULT_LABEL_TEXT
    ai_system: str = "Likeness"
    ai_system_version: str = __version__
    title: str | None = None
    asset_kind: str = "release"
    engine: str | None = None
    models: tuple[tuple[str, str], ...] = ()
    seed: int | None = None
    ingredient: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.asset_kind not in ASSET_KINDS:
            raise StampRefused(f"asset_kind must be one of {', '.join(ASSET_KINDS)}")
        release = self.asset_kind == "release"
        try:
            if self.channel is not None:
                object.__setattr__(self, "channel", Channel(self.channel))
            object.__setattr__(self, "kind", SourceKind(self.kind))
        except ValueError as exc:
            raise StampRefused(str(exc)) from None
        if release and self.channel is None:
            raise StampRefused("a release is stamped for a channel")
        for name in ("asset_id", "twin_id", "license_id"):
            _check_uuid(name, getattr(self, name))
        _check_sha256("consent_sha256", self.consent_sha256)
        if release or self.approval_sha256 is not None:
            _check_sha256("approval_sha256", self.approval_sha256)
        if self.engine is not None:
            _check_text("engine", self.engine, MAX_ENGINE_CHARS)
        self._check_generation()
        _check_text("label_text", self.label_text, MAX_LABEL_CHARS)
        if not label_text_is_drawable(self.label_text):
            raise StampRefused("label_text uses characters the bundled label font cannot draw")
        _check_text("ai_system", self.ai_system, MAX_TEXT_FIELD_CHARS)
        _check_text("ai_system_version", self.ai_system_version, MAX_TEXT_FIELD_CHARS)
        for name in ("talent_credit", "title"):
            value = getattr(self, name)
            if value is not None:
                _check_text(name, value, MAX_TEXT_FIELD_CHARS)

    def _check_generation(self) -> None:
        """``models``, ``seed`` and ``ingredient``: what the engine says it used."""
        if not isinstance(self.models, tuple | list) or len(self.models) > MAX_MODELS:
            raise StampRefused(f"models must be a sequence of at most {MAX_MODELS} pairs")
        pairs: list[tuple[str, str]] = []
        for entry in self.models:
            if not isinstance(entry, tuple | list) or len(entry) != 2:
                raise StampRefused("each model is a (name, sha256) pair")
            name, digest = entry
            if not isinstance(name, str):
                raise StampRefused("a model name must be text")
            _check_text("a model name", name, MAX_TEXT_FIELD_CHARS)
            _check_sha256(f"the SHA-256 of model {name!r}", digest)
            pairs.append((name, digest))
        object.__setattr__(self, "models", tuple(pairs))
        if self.seed is not None and (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed <= MAX_SEED
        ):
            raise StampRefused(f"seed must be an integer from 0 to {MAX_SEED}")
        if self.ingredient is not None:
            if not isinstance(self.ingredient, bytes) or not self.ingredient:
                raise StampRefused("an ingredient is the non-empty bytes of an image file")
            if len(self.ingredient) > MAX_INPUT_BYTES:
                raise StampRefused(
                    f"the ingredient is {len(self.ingredient)} bytes; "
                    f"the limit is {MAX_INPUT_BYTES}"
                )
            if sniff_format(self.ingredient) is None:
                raise StampRefused("the ingredient is not a JPEG, PNG or WebP image")

    @property
    def digital_source_type(self) -> str:
        return self.kind.digital_source_type

    @property
    def watermark_payload(self) -> bytes:
        """The 8 bytes the invisible watermark carries: the asset ID's first 64 bits.

        Asset IDs are random UUIDs, so the prefix finds the asset in the registry
        (collisions need ~4 billion assets for a 50 % chance).
        """
        return uuid.UUID(self.asset_id).bytes[:8]
