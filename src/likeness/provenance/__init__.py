"""Provenance and disclosure for released images.

Every image Likeness releases carries four layers of disclosure, applied by
:func:`stamp` in this order:

1. a visible "AI-generated" badge where the channel or the license needs one
   (bundled font, size relative to the image, contrast-aware colours);
2. an invisible watermark carrying the first 64 bits of the asset ID;
3. XMP with the IPTC ``DigitalSourceType`` and the IPTC 2025.1 AI fields;
4. a C2PA manifest signed with the installation's certificate, with the
   digital source type, a soft-binding assertion for the watermark, the Likeness
   release assertion (with the engine, the model files' SHA-256s and the seed,
   ``StampInfo.models``/``seed``, also in the first action's parameters) and the CAWG
   training-and-data-mining opt-out; an imported image's original file
   (``StampInfo.ingredient``) becomes the manifest's ``parentOf`` ingredient.

:func:`verify` reads all of it back (C2PA with the official SDK) and never
raises for a hostile file::

    from likeness.provenance import Channel, StampConfig, StampInfo, stamp, verify

    info = StampInfo(
        asset_id=asset.id, twin_id=twin.id, license_id=license.id,
        consent_sha256=consent_digest, approval_sha256=approval_digest,
        channel=Channel.INSTAGRAM,
    )
    released = stamp(image_bytes, info, StampConfig.from_settings())
    report = verify(released)
    assert report.c2pa.state == "Trusted"

A reviewer's preview is stamped by :func:`stamp_preview` instead: the visible
"PREVIEW — not for publication" mark and the watermark, with ``asset_kind``
``"preview"`` in the manifest and the XMP (no approval digest, no channel yet).

Exceptions (all :class:`likeness.errors.LikenessError`)::

    ProvenanceError
    ├── ImageRejected              not JPEG/PNG/WebP, corrupt, too large or too small (422)
    ├── StampRefused               bad IDs or digests, undrawable label text (422)
    ├── SigningConfigurationError  missing/expired/mismatched signing material (500)
    └── SigningFailed              the C2PA SDK refused to sign (500)
"""

from likeness.provenance._channels import PRESETS, Channel, Corner, LabelPreset, label_required
from likeness.provenance._errors import (
    ImageRejected,
    ProvenanceError,
    SigningConfigurationError,
    SigningFailed,
    StampRefused,
)
from likeness.provenance._formats import ImageFormat, sniff_format
from likeness.provenance._info import (
    ASSET_KINDS,
    CATALOGUE_MARK_TEXT,
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    PREVIEW_MARK_TEXT,
    TRAINED_ALGORITHMIC_MEDIA,
    SourceKind,
    StampInfo,
)
from likeness.provenance._label import LabelPlacement
from likeness.provenance._manifest import LIKENESS_ASSERTION, ManifestSummary
from likeness.provenance._png import PNG_COMPRESS_LEVEL, encode_png
from likeness.provenance._stamp import StampConfig, mark_preview, stamp, stamp_preview
from likeness.provenance._verify import (
    C2paReport,
    LabelReport,
    Report,
    VerifyConfig,
    WatermarkReport,
    read_c2pa,
    verify,
)
from likeness.provenance._watermark import (
    Detection,
    LibraryWatermarker,
    Watermarker,
    library_watermarker,
)
from likeness.provenance._xmp import XmpFields, build_xmp, parse_xmp
from likeness.provenance.keys import (
    CallbackSigner,
    SigningAlgorithm,
    SigningMaterial,
    ensure_signing_material,
    signing_material_from_settings,
)

__all__ = [
    "ASSET_KINDS",
    "CATALOGUE_MARK_TEXT",
    "COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA",
    "LIKENESS_ASSERTION",
    "PNG_COMPRESS_LEVEL",
    "PRESETS",
    "PREVIEW_MARK_TEXT",
    "TRAINED_ALGORITHMIC_MEDIA",
    "C2paReport",
    "CallbackSigner",
    "Channel",
    "Corner",
    "Detection",
    "ImageFormat",
    "ImageRejected",
    "LabelPlacement",
    "LabelPreset",
    "LabelReport",
    "LibraryWatermarker",
    "ManifestSummary",
    "ProvenanceError",
    "Report",
    "SigningAlgorithm",
    "SigningConfigurationError",
    "SigningFailed",
    "SigningMaterial",
    "SourceKind",
    "StampConfig",
    "StampInfo",
    "StampRefused",
    "VerifyConfig",
    "WatermarkReport",
    "Watermarker",
    "XmpFields",
    "build_xmp",
    "encode_png",
    "ensure_signing_material",
    "label_required",
    "library_watermarker",
    "mark_preview",
    "parse_xmp",
    "read_c2pa",
    "signing_material_from_settings",
    "sniff_format",
    "stamp",
    "stamp_preview",
    "verify",
]
