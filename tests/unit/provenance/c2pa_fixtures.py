"""Images with Content Credentials that Likeness did not stamp, made with c2pa-python
itself (imported by unit and e2e tests; no network: remote URLs use the reserved
``.invalid`` domain and are never fetched).

- :func:`sign_manifest` signs any manifest definition into an image, embedded or stored
  "remotely" (``remote_url``, ``embed=False``): the image then carries only a
  ``dcterms:provenance`` reference, and the manifest bytes are returned beside it.
- :func:`camera_manifest` is an ordinary C2PA manifest of another maker: no Likeness
  assertion.
- :func:`likeness_manifest` is the Likeness release manifest with its assertion edited
  (for instance an ``asset_kind``), as a future stamp would write it.
"""

from __future__ import annotations

import io
from typing import Any

import c2pa

from likeness.provenance import LIKENESS_ASSERTION, StampInfo
from likeness.provenance._manifest import build_manifest
from likeness.provenance.keys import SigningMaterial

REMOTE_URL = "https://manifests.example.invalid/store/photo-1.c2pa"
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


def camera_manifest(mime_type: str) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "Other Camera App", "version": "4.2"}],
        "title": "a photograph",
        "format": mime_type,
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [{"action": "c2pa.created", "digitalSourceType": DIGITAL_CAPTURE}]
                },
            }
        ],
    }


def likeness_manifest(info: StampInfo, mime_type: str, **assertion: Any) -> dict[str, Any]:
    """The manifest ``stamp`` builds, with ``assertion`` merged into the Likeness one."""
    manifest = build_manifest(info, mime_type=mime_type, watermark_algorithm="none", label=None)
    for entry in manifest["assertions"]:
        if entry["label"] == LIKENESS_ASSERTION:
            entry["data"].update(assertion)
    return manifest


def sign_manifest(
    image: bytes,
    manifest: dict[str, Any],
    signing: SigningMaterial,
    *,
    remote_url: str | None = None,
    embed: bool = True,
) -> tuple[bytes, bytes]:
    """(signed image, manifest store bytes). ``remote_url`` writes a reference to the
    manifest's remote home; with ``embed=False`` the image carries only that reference."""
    settings = {
        "builder": {"thumbnail": {"enabled": False}},
        "verify": {"verify_after_sign": False, "remote_manifest_fetch": False},
    }
    out = io.BytesIO()
    with (
        c2pa.Context.from_dict(settings) as context,
        signing.c2pa_signer() as signer,
        c2pa.Builder(manifest, context=context) as builder,
    ):
        if not embed:
            builder.set_no_embed()
        if remote_url is not None:
            builder.set_remote_url(remote_url)
        store = builder.sign(signer, manifest["format"], io.BytesIO(image), out)
    return out.getvalue(), bytes(store or b"")
