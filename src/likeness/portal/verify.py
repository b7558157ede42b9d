"""The public verify page: drop an image or type an asset ID, get the same verdict as
``likeness verify`` (no login, nothing private).

The image is checked by :func:`likeness.provenance.verify` and looked up in the asset
registry by :func:`likeness.asset.service.verify_report_block` — the two halves of
``likeness verify`` — and the public facts come from
:func:`likeness.asset.service.public_lookup` (the API's ``GET /api/v1/verify/{id}``).
The page shows what the image itself and that public lookup say: no brand, license,
fee, email or legal name; the talent only by the public (stage) name they chose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from likeness.asset import service as assets
from likeness.asset.errors import AssetNotFound
from likeness.asset.schemas import PublicVerifyRead
from likeness.models.asset import AssetKind
from likeness.portal.pages import AnyViewer, render
from likeness.settings import Settings
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.limits import MULTIPART_SLACK, BodyLimit

if TYPE_CHECKING:
    from likeness.provenance import Report, VerifyConfig

router = APIRouter()

#: The largest image the page accepts (a phone photo or a full-size release fits).
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
VERIFY_PATH = "/verify"
#: IPTC digital source types of AI-made media end in this (trainedAlgorithmicMedia,
#: compositeWithTrainedAlgorithmicMedia, …).
_AI_SOURCE = "trainedalgorithmicmedia"


def body_limits(settings: Settings) -> list[BodyLimit]:
    """The upload's limit, enforced while the body streams in (see likeness.web.limits)."""
    return [BodyLimit.for_path(VERIFY_PATH, MAX_UPLOAD_BYTES + MULTIPART_SLACK)]


@dataclass
class Verdict:
    """What the page shows: the answer first, the details behind a <details>."""

    #: ``ok`` (an authorised Likeness release, in force), ``bad`` or ``unknown``.
    tone: str
    headline: str
    authorised: bool
    ai_generated: bool | None
    public: PublicVerifyRead | None = None
    talent_name: str | None = None
    matched_by: str | None = None
    problem: str | None = None
    #: (label, value) lines of the C2PA details; empty for a lookup by ID.
    details: list[tuple[str, str]] = field(default_factory=list)
    image: str | None = None


def _public(session: Session, asset_id: str) -> tuple[PublicVerifyRead, str | None]:
    public = assets.public_lookup(session, asset_id)
    asset = assets.lookup(session, asset_id)
    name = assets.public_name_of(session, asset.talent_id) if asset is not None else None
    return public, name


def _from_registry(public: PublicVerifyRead) -> tuple[str, str]:
    if public.authorised_release:
        return "ok", "An authorised Likeness release, AI-generated, in force."
    if public.kind is AssetKind.preview:
        return "bad", "A Likeness review PREVIEW — not for publication."
    return "bad", f"A Likeness release that is no longer authorised: it is {public.status.value}."


def verdict_for_id(session: Session, ref: str) -> Verdict:
    public, name = _public(session, ref)
    tone, headline = _from_registry(public)
    return Verdict(
        tone=tone,
        headline=headline,
        authorised=public.authorised_release,
        ai_generated=public.ai_generated,
        public=public,
        talent_name=name,
        matched_by="asset ID",
    )


def _short(uri: str | None) -> str:
    return uri.rsplit("/", 1)[-1] if uri else "none"


def _details(report: Report) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    image = (
        f"{report.format.name} {report.width}×{report.height}" if report.format else "unreadable"
    )
    lines.append(("Image", image))
    lines.append(("Content Credentials (C2PA)", report.c2pa.state))
    manifest = report.c2pa.manifest
    if manifest is not None:
        lines.append(("Signed by", f"{manifest.signer or '?'} ({manifest.issuer or '?'})"))
        if manifest.signed_at:
            lines.append(("Signed at", manifest.signed_at))
        if manifest.claim_generator:
            lines.append(("Made with", manifest.claim_generator))
        for action in manifest.actions:
            source = _short(action.get("digitalSourceType"))
            lines.append(("Action", f"{action.get('action')} · {source}"))
        for ingredient in manifest.ingredients:
            own = "own Content Credentials" if ingredient.get("manifest") else "no credentials"
            lines.append(("Ingredient", f"{ingredient.get('relationship') or '?'} · {own}"))
    elif report.c2pa.remote_url:
        lines.append(("Stored at", f"{report.c2pa.remote_url} (not fetched: verify is offline)"))
    lines.extend(("C2PA problem", error) for error in report.c2pa.errors)
    lines.append(("IPTC digital source type", _short(report.xmp.digital_source_type)))
    label = report.label
    if not label.checked:
        lines.append(("Visible label", f"not checked ({label.reason})"))
    elif label.placement is not None:
        lines.append(("Visible label", f"present ({label.placement.text})"))
    else:
        lines.append(("Visible label", "none found"))
    mark = report.watermark
    if not mark.checked:
        lines.append(("Watermark", f"not checked ({mark.reason})"))
    elif mark.found:
        agree = {True: ", matches the manifest", False: ", DIFFERS from the manifest", None: ""}
        lines.append(
            ("Watermark", f"found (confidence {mark.confidence}){agree[mark.matches_manifest]}")
        )
    else:
        lines.append(("Watermark", "not found"))
    lines.extend(("Problem", problem) for problem in report.problems)
    return lines


def verdict_for_image(session: Session, settings: Settings, data: bytes, name: str) -> Verdict:
    from likeness.provenance import verify

    report = verify(data, _verify_config(settings))
    block, problem = assets.verify_report_block(session, report)
    manifest = report.c2pa.manifest
    sources = {report.xmp.digital_source_type or ""}
    if manifest is not None:
        sources.add(manifest.digital_source_type or "")
        sources.update(a.get("digitalSourceType") or "" for a in manifest.actions)
    ai: bool | None = any(s.lower().endswith(_AI_SOURCE) for s in sources) or None
    details = _details(report)
    if block is not None:
        public, talent_name = _public(session, block.id)
        tone, headline = _from_registry(public)
        if block.matched_by == "watermark" and not report.verified:
            headline += (
                " Found by its invisible watermark: the file's metadata was removed or changed."
            )
        return Verdict(
            tone=tone,
            headline=headline,
            authorised=public.authorised_release,
            ai_generated=True,
            public=public,
            talent_name=talent_name,
            matched_by=block.matched_by,
            problem=problem,
            details=details,
            image=name,
        )
    tone = "unknown" if report.verified else "bad"
    headline = report.headline
    if report.verified:
        headline += " — but this installation's registry does not know the asset."
    return Verdict(
        tone=tone,
        headline=headline,
        authorised=False,
        ai_generated=ai,
        problem=problem,
        details=details,
        image=name,
    )


_CONFIGS: dict[str, VerifyConfig] = {}


def _verify_config(settings: Settings) -> VerifyConfig:
    """The trust anchors and watermark key, read once per data home."""
    from likeness.provenance import VerifyConfig

    key = str(settings.keys_dir)
    config = _CONFIGS.get(key)
    if config is None:
        config = _CONFIGS[key] = VerifyConfig.from_settings(settings)
    return config


@router.get(VERIFY_PATH, response_class=HTMLResponse)
def verify_page(viewer: AnyViewer, session: SessionDep, asset: str | None = None) -> HTMLResponse:
    """The form; with ``?asset=<id or mark>`` the verdict of that asset."""
    if asset is None or not asset.strip():
        return render(
            viewer,
            "verify.html",
            title="Verify an image",
            verdict=None,
            asset="",
            max_bytes=MAX_UPLOAD_BYTES,
        )
    errors: dict[str, str] = {}
    verdict = None
    try:
        assets.normalise_ref(asset)
    except AssetNotFound as exc:
        errors["asset"] = exc.message
    else:
        try:
            verdict = verdict_for_id(session, asset)
        except AssetNotFound:
            verdict = Verdict(
                tone="bad",
                headline="Not a registered Likeness asset: nothing here vouches for this ID.",
                authorised=False,
                ai_generated=None,
            )
    return render(
        viewer,
        "verify.html",
        status_code=422 if errors else 200,
        title="Verify an image",
        verdict=verdict,
        asset=asset[:100],
        errors=errors,
        max_bytes=MAX_UPLOAD_BYTES,
    )


@router.post(VERIFY_PATH, response_class=HTMLResponse)
def verify_upload(
    viewer: AnyViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    image: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    """Check a dropped image (JPEG, PNG or WebP)."""
    del csrf_token  # checked by the CSRF middleware when a session is present
    data = image.file.read(MAX_UPLOAD_BYTES + 1) if image is not None else b""
    name = (image.filename or "image") if image is not None else ""
    errors: dict[str, str] = {}
    if not data:
        errors["image"] = "Choose an image file (JPEG, PNG or WebP) to check."
    elif len(data) > MAX_UPLOAD_BYTES:
        errors["image"] = f"The file is over the {MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit."
    verdict = None
    if not errors:
        verdict = verdict_for_image(session, runtime.settings, data, name[:200])
    return render(
        viewer,
        "verify.html",
        status_code=422 if errors else 200,
        title="Verify an image",
        verdict=verdict,
        asset="",
        errors=errors,
        max_bytes=MAX_UPLOAD_BYTES,
    )
