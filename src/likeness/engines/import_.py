"""The ``import`` engine: an image made elsewhere enters through the same gate.

The brief's ``image`` input (a PNG, JPEG or WebP file, at most
:data:`~likeness.engines._remote.MAX_IMAGE_BYTES` and
:data:`~likeness.engines._remote.MAX_IMAGE_PIXELS`) is decoded and passed through as
pixels; like every output it is then checked (the licensed twin and no one else),
held in quarantine and reviewed. Its Content Credentials, if any, are read with the
C2PA SDK (offline; against this installation's trust anchors) and recorded in the
image's parameters, and the **original file** is returned as
:attr:`~likeness.engines.EngineImage.ingredient`, so the release's manifest keeps it
as its ``parentOf`` ingredient, with its own manifest inside.

A file whose Content Credentials fail validation (tampered or damaged) is refused
unless the engine is built with ``accept_invalid_credentials=True``: a consent-first
gate should not turn a broken provenance claim into a trusted release. A manifest
stored remotely is not fetched (no network); it is recorded as such.

Nothing leaves the machine (``processor`` None). The release is disclosed as
``trainedAlgorithmicMedia`` like every generated image; what the file itself claimed
stays readable in the ingredient.
"""

from __future__ import annotations

import hashlib
from typing import Any

from likeness.engines._base import (
    EngineImage,
    EngineInfo,
    EngineRefused,
    EngineRequest,
    InputRole,
    Task,
)
from likeness.engines._remote import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    decode_image,
    image_kind,
    report,
)
from likeness.provenance import C2paReport, ImageFormat, read_c2pa
from likeness.provenance.keys import trust_anchors_from_settings
from likeness.settings import Settings

NAME = "import"
#: C2PA validation messages kept in the parameters (the rest are counted).
MAX_RECORDED_ERRORS = 5


def _credentials(state: C2paReport) -> dict[str, Any]:
    manifest = state.manifest
    recorded: dict[str, Any] = {"state": state.state}
    if state.remote_url:
        recorded["remote_url"] = state.remote_url
    if state.errors:
        recorded["errors"] = list(state.errors[:MAX_RECORDED_ERRORS])
        recorded["error_count"] = len(state.errors)
    if manifest is not None:
        recorded.update(
            {
                "manifest": manifest.label,
                "signer": manifest.signer,
                "claim_generator": manifest.claim_generator,
                "digital_source_type": manifest.digital_source_type,
            }
        )
    return recorded


class ImportEngine:
    """Passes an imported image through, keeping its original file as the ingredient."""

    def __init__(
        self,
        *,
        trust_anchors_pem: bytes | None = None,
        accept_invalid_credentials: bool = False,
        max_bytes: int = MAX_IMAGE_BYTES,
        max_pixels: int = MAX_IMAGE_PIXELS,
    ) -> None:
        self._anchors = trust_anchors_pem
        self._accept_invalid = accept_invalid_credentials
        self._max_bytes = max_bytes
        self._max_pixels = max_pixels
        self._info = EngineInfo(
            name=NAME,
            tasks=frozenset({Task.import_}),
            models=(),
            processor=None,
            deterministic=True,
            generative=True,
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ImportEngine:
        """Credentials are judged against the installation's trust anchors (its own CA
        and ``LIKENESS_C2PA_TRUST_ANCHORS``)."""
        return cls(trust_anchors_pem=trust_anchors_from_settings(settings or Settings()))

    @property
    def info(self) -> EngineInfo:
        return self._info

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        if request.brief.task is not Task.import_:
            raise EngineRefused(f"the import engine only imports, not {request.brief.task.value!r}")
        if request.count != 1:
            raise EngineRefused("an import brings exactly one image (count 1)")
        data = request.inputs.get(InputRole.image)
        if data is None:
            raise EngineRefused("an import needs the image file (input role 'image')")
        report(request.progress, 0.0, "reading the imported image")
        pixels = decode_image(
            data,
            what="the imported image",
            error=EngineRefused,
            max_bytes=self._max_bytes,
            max_pixels=self._max_pixels,
        )
        kind = image_kind(data)
        assert kind is not None  # decode_image refused anything else
        credentials = read_c2pa(data, ImageFormat(kind), self._anchors)
        if credentials.state == "Invalid" and not self._accept_invalid:
            reason = "; ".join(credentials.errors[:2]) or "validation failed"
            raise EngineRefused(
                "the imported image's Content Credentials are invalid (tampered or damaged: "
                f"{reason}); export it again from the tool that made it"
            )
        report(request.progress, 1.0, "imported")
        return [
            EngineImage(
                pixels=pixels,
                seed=request.seed,
                params={
                    "source_format": kind,
                    "source_sha256": hashlib.sha256(data).hexdigest(),
                    "source_width": int(pixels.shape[1]),
                    "source_height": int(pixels.shape[0]),
                    "credentials": _credentials(credentials),
                },
                ingredient=data,
            )
        ]


__all__ = ["ImportEngine"]
