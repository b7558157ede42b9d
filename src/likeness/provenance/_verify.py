"""``verify``: what a released image carries, read back with the same tools a
platform uses. Never raises for a bad file: every problem becomes part of the report.

Besides what each layer says, the report gives one **verdict** (decision 0019):

- ``likeness_release``: a manifest from a trusted signer (``Trusted``: chained to a
  configured anchor, the installation's own CA included) with the Likeness release
  assertion, asset kind ``release`` (an assertion without the field is a release). The
  only verdict that counts as *verified*.
- ``likeness_unconfirmed``: the same assertion in an intact manifest whose signer is not
  on the trust list (``Valid``). Anyone can sign such a claim with a certificate of their
  own, so it is not verified; add the platform's CA (``LIKENESS_C2PA_TRUST_ANCHORS``) to
  confirm a genuine one.
- ``likeness_preview``: the same with asset kind ``preview``: a review preview, never a
  release (the human output says PREVIEW).
- ``likeness_unknown_kind``: a Likeness assertion with an asset kind this version does
  not know; not a release.
- ``not_likeness``: intact Content Credentials without a Likeness assertion: a C2PA
  image, but not a Likeness release.
- ``remote_not_fetched``: the image points at a manifest stored elsewhere
  (``dcterms:provenance``); verify works offline and did not fetch it. Not checked is
  not the same as invalid.
- ``invalid``: a manifest that fails validation (tampered or damaged).
- ``absent``: no Content Credentials at all.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import c2pa
import numpy as np

from likeness.provenance._errors import ImageRejected
from likeness.provenance._formats import ImageFormat, sniff_format
from likeness.provenance._image import (
    DEFAULT_MAX_PIXELS,
    MAX_INPUT_BYTES,
    Decoded,
    Header,
    decode,
    read_header,
)
from likeness.provenance._label import LabelPlacement, candidate_placements, find_label
from likeness.provenance._manifest import ManifestSummary, summarise
from likeness.provenance._watermark import Watermarker, library_watermarker, load_watermark_key
from likeness.provenance._xmp import XmpFields, parse_xmp
from likeness.provenance.keys import trust_anchors_from_settings
from likeness.settings import Settings

TRUSTED = "Trusted"
VALID = "Valid"
INVALID = "Invalid"
ABSENT = "absent"
#: The image points at a manifest stored elsewhere, and verify never fetches (no network).
REMOTE_NOT_FETCHED = "remote_not_fetched"

#: What the Likeness assertion says the image is; an assertion without the field is a
#: release (images stamped before previews existed).
ASSET_KIND_RELEASE = "release"
ASSET_KIND_PREVIEW = "preview"

# Verdicts: one word for the whole report (see the module docstring).
LIKENESS_RELEASE = "likeness_release"
LIKENESS_UNCONFIRMED = "likeness_unconfirmed"
LIKENESS_PREVIEW = "likeness_preview"
LIKENESS_UNKNOWN_KIND = "likeness_unknown_kind"
NOT_LIKENESS = "not_likeness"
VERDICT_REMOTE_NOT_FETCHED = REMOTE_NOT_FETCHED
VERDICT_INVALID = "invalid"
VERDICT_ABSENT = "absent"
VERDICTS = (
    LIKENESS_RELEASE,
    LIKENESS_UNCONFIRMED,
    LIKENESS_PREVIEW,
    LIKENESS_UNKNOWN_KIND,
    NOT_LIKENESS,
    VERDICT_REMOTE_NOT_FETCHED,
    VERDICT_INVALID,
    VERDICT_ABSENT,
)

_REMOTE_URL = re.compile(r"remote manifests? from url (\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class VerifyConfig:
    trust_anchors_pem: bytes | None = None
    watermarker: Watermarker | None = None
    watermark_key: bytes | None = field(default=None, repr=False)
    max_pixels: int = DEFAULT_MAX_PIXELS

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> VerifyConfig:
        """Local CA and configured anchors, the watermark library and the installation's key."""
        settings = settings or Settings()
        return cls(
            trust_anchors_pem=trust_anchors_from_settings(settings),
            watermarker=library_watermarker(),
            watermark_key=load_watermark_key(settings.keys_dir),
        )


@dataclass(frozen=True)
class C2paReport:
    """``state`` is the SDK's validation state (``Trusted``: valid and chained to a
    trust anchor; ``Valid``: intact but from an unknown signer; ``Invalid``), ``absent``
    when there is no manifest, or ``remote_not_fetched`` when the image references a
    manifest stored at ``remote_url`` that verify did not fetch (it never goes online)."""

    state: str
    errors: tuple[str, ...] = ()
    manifest: ManifestSummary | None = None
    remote_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "errors": list(self.errors),
            "manifest": self.manifest.to_dict() if self.manifest else None,
            "remote_url": self.remote_url,
        }


@dataclass(frozen=True)
class LabelReport:
    checked: bool
    present: bool | None = None
    placement: LabelPlacement | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "present": self.present,
            "placement": self.placement.to_dict() if self.placement else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class WatermarkReport:
    checked: bool
    found: bool | None = None
    payload_hex: str | None = None
    confidence: float | None = None
    matches_manifest: bool | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "found": self.found,
            "payload": self.payload_hex,
            "confidence": self.confidence,
            "matches_manifest": self.matches_manifest,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Report:
    """The verification result; ``extensions`` is where later lookups (asset
    registry, ledger) add their sections without changing this shape."""

    format: ImageFormat | None
    width: int | None
    height: int | None
    c2pa: C2paReport
    xmp: XmpFields
    label: LabelReport
    watermark: WatermarkReport
    problems: tuple[str, ...] = ()
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def c2pa_intact(self) -> bool:
        """True when the manifest validates (trusted or not), whoever made it."""
        return self.c2pa.state in (TRUSTED, VALID)

    @property
    def asset_kind(self) -> str | None:
        """What the Likeness assertion says the image is (``release`` when it does not
        say), or None when there is no Likeness assertion to read."""
        manifest = self.c2pa.manifest
        if manifest is None or manifest.likeness is None:
            return None
        kind = manifest.likeness.get("asset_kind", ASSET_KIND_RELEASE)
        return kind if isinstance(kind, str) else repr(kind)

    @property
    def verdict(self) -> str:
        """One of :data:`VERDICTS`; see the module docstring."""
        state = self.c2pa.state
        if state == REMOTE_NOT_FETCHED:
            return VERDICT_REMOTE_NOT_FETCHED
        if state == ABSENT:
            return VERDICT_ABSENT
        if not self.c2pa_intact:
            return VERDICT_INVALID
        kind = self.asset_kind
        if kind is None:
            return NOT_LIKENESS
        if kind == ASSET_KIND_RELEASE:
            return LIKENESS_RELEASE if state == TRUSTED else LIKENESS_UNCONFIRMED
        if kind == ASSET_KIND_PREVIEW:
            return LIKENESS_PREVIEW
        return LIKENESS_UNKNOWN_KIND

    @property
    def verified(self) -> bool:
        """True only for a Likeness release: a manifest from a trusted signer with the
        Likeness assertion, asset kind ``release``. An untrusted signer's claim, a preview,
        another maker's Content Credentials and a remote manifest verify did not fetch are
        not verified."""
        return self.verdict == LIKENESS_RELEASE

    @property
    def headline(self) -> str:
        """The verdict as one plain sentence for people."""
        verdict = self.verdict
        manifest = self.c2pa.manifest
        if verdict == LIKENESS_RELEASE:
            return "LIKENESS RELEASE: Content Credentials of a Likeness release, trusted signer"
        if verdict == LIKENESS_UNCONFIRMED:
            return (
                "UNCONFIRMED: a Likeness release assertion, but its signer is not on the trust "
                "list (add the platform's CA with LIKENESS_C2PA_TRUST_ANCHORS to confirm it)"
            )
        if verdict == LIKENESS_PREVIEW:
            return "PREVIEW — not for publication: a Likeness review preview, not a released image"
        if verdict == LIKENESS_UNKNOWN_KIND:
            return (
                f"NOT A LIKENESS RELEASE: the Likeness assertion names asset kind "
                f"{self.asset_kind!r}, which this version does not know"
            )
        if verdict == NOT_LIKENESS:
            maker = (manifest.signer or manifest.claim_generator) if manifest else None
            return (
                "NOT A LIKENESS RELEASE: valid Content Credentials"
                + (f" signed by {maker}" if maker else "")
                + ", but no Likeness release assertion"
            )
        if verdict == VERDICT_REMOTE_NOT_FETCHED:
            where = self.c2pa.remote_url or "a remote address"
            return (
                f"REMOTE MANIFEST NOT FETCHED: the Content Credentials are stored at {where}; "
                "verify works offline and did not check them (not checked is not invalid)"
            )
        if verdict == VERDICT_INVALID:
            return "NOT VERIFIED: the Content Credentials are invalid (tampered or damaged)"
        return "NOT VERIFIED: no Content Credentials"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "verdict": self.verdict,
            "verified": self.verified,
            "asset_kind": self.asset_kind,
            "image": {
                "format": self.format.value if self.format else None,
                "width": self.width,
                "height": self.height,
            },
            "c2pa": self.c2pa.to_dict(),
            "xmp": {
                "digital_source_type": self.xmp.digital_source_type,
                "ai_system": self.xmp.ai_system,
                "ai_system_version": self.xmp.ai_system_version,
                "credit": self.xmp.credit,
                "data_mining": self.xmp.data_mining,
            },
            "label": self.label.to_dict(),
            "watermark": self.watermark.to_dict(),
            "problems": list(self.problems),
        }
        data.update(self.extensions)
        return data


def _failures(results: Any) -> tuple[str, ...]:
    if not isinstance(results, dict):
        return ()
    active = results.get("activeManifest")
    entries = active.get("failure") if isinstance(active, dict) else None
    messages: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            code, explanation = entry.get("code"), entry.get("explanation")
            messages.append(f"{code}: {explanation}" if explanation else str(code))
    return tuple(messages)


def _remote(exc: c2pa.C2paError) -> C2paReport | None:
    """The report for an image whose manifest is remote (the SDK refuses to read it
    without fetching), or None for any other error."""
    message = str(exc)
    if not (isinstance(exc, c2pa.C2paError.RemoteManifest) or message.startswith("Remote:")):
        return None
    found = _REMOTE_URL.search(message)
    url = found.group(1) if found else None
    return C2paReport(
        REMOTE_NOT_FETCHED,
        (
            f"the manifest is stored remotely{f' at {url}' if url else ''}; "
            "verify does not fetch over the network",
        ),
        remote_url=url,
    )


def read_c2pa(data: bytes, fmt: ImageFormat, trust_anchors_pem: bytes | None) -> C2paReport:
    """Validate the embedded manifest with the C2PA SDK; never fetches anything remote
    (a manifest stored remotely is reported as ``remote_not_fetched``)."""
    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust_anchors_pem:
        settings["trust"] = {"user_anchors": trust_anchors_pem.decode("utf-8", "replace")}
    try:
        with c2pa.Context.from_dict(settings) as context:
            reader = c2pa.Reader.try_create(fmt.mime_type, io.BytesIO(data), None, context)
            if reader is None:
                return C2paReport(ABSENT)
            with reader:
                state = reader.get_validation_state() or INVALID
                errors = _failures(reader.get_validation_results())
                try:
                    manifest = summarise(reader.get_active_manifest())
                except KeyError:
                    manifest = None
    except c2pa.C2paError as exc:
        return _remote(exc) or C2paReport(INVALID, (f"manifest unreadable: {exc}",))
    if state not in (TRUSTED, VALID, INVALID):
        errors = (*errors, f"unknown validation state {state!r}")
        state = INVALID
    return C2paReport(state, errors, manifest)


def _check_label(decoded: Decoded, manifest: ManifestSummary | None) -> LabelReport:
    candidates: list[LabelPlacement] = []
    recorded = (manifest.likeness or {}).get("visible_label") if manifest else None
    if recorded is not None:
        placement = LabelPlacement.from_dict(recorded)
        if placement is not None:
            candidates.append(placement)
    candidates.extend(candidate_placements(decoded.rgb.size))
    found = find_label(decoded.rgb, candidates)
    return LabelReport(checked=True, present=found is not None, placement=found)


def _check_watermark(
    decoded: Decoded, manifest: ManifestSummary | None, config: VerifyConfig
) -> WatermarkReport:
    if config.watermarker is None:
        return WatermarkReport(checked=False, reason="no watermarker configured")
    if config.watermark_key is None:
        return WatermarkReport(checked=False, reason="no watermark key configured")
    pixels = np.asarray(decoded.rgb, dtype=np.uint8)
    try:
        detection = config.watermarker.detect(pixels, config.watermark_key)
    except Exception as exc:  # a detector failing on odd pixels must not sink the report
        return WatermarkReport(checked=True, found=False, reason=f"detector failed: {exc}")
    payload = detection.payload if detection.found else None
    expected = manifest.watermark_payload if manifest else None
    return WatermarkReport(
        checked=True,
        found=bool(detection.found),
        payload_hex=payload.hex() if payload else None,
        confidence=round(float(detection.confidence), 4),
        matches_manifest=(payload == expected) if (payload and expected) else None,
    )


def _unreadable(problem: str) -> Report:
    return Report(
        format=None,
        width=None,
        height=None,
        c2pa=C2paReport(ABSENT),
        xmp=XmpFields(),
        label=LabelReport(checked=False, reason="image unreadable"),
        watermark=WatermarkReport(checked=False, reason="image unreadable"),
        problems=(problem,),
    )


def verify(image_bytes: bytes, config: VerifyConfig | None = None) -> Report:
    """Everything a released image carries, checked; problems are reported, not raised."""
    config = config or VerifyConfig.from_settings()
    if len(image_bytes) > MAX_INPUT_BYTES:
        return _unreadable(f"file is {len(image_bytes)} bytes; the limit is {MAX_INPUT_BYTES}")
    fmt = sniff_format(image_bytes)
    if fmt is None:
        return _unreadable("not a JPEG, PNG or WebP image (checked by content, not extension)")
    # The manifest is checked even when Pillow cannot parse the pixels: a
    # damaged or oversized image can still carry (in)valid Content Credentials.
    c2pa_report = read_c2pa(image_bytes, fmt, config.trust_anchors_pem)
    problems: list[str] = []
    header: Header | None = None
    decoded: Decoded | None = None
    try:
        header = read_header(image_bytes)
        decoded = decode(image_bytes, max_pixels=config.max_pixels)
    except ImageRejected as exc:
        problems.append(exc.message)
    if decoded is None:
        label = LabelReport(checked=False, reason="pixels not decoded")
        watermark = WatermarkReport(checked=False, reason="pixels not decoded")
    else:
        label = _check_label(decoded, c2pa_report.manifest)
        watermark = _check_watermark(decoded, c2pa_report.manifest, config)
    return Report(
        format=fmt,
        width=header.width if header else None,
        height=header.height if header else None,
        c2pa=c2pa_report,
        xmp=parse_xmp(header.xmp) if header else XmpFields(),
        label=label,
        watermark=watermark,
        problems=tuple(problems),
    )
