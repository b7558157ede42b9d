from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import c2pa
import numpy as np
import pytest
from PIL import Image

from likeness.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    Channel,
    ImageFormat,
    ImageRejected,
    SigningConfigurationError,
    SourceKind,
    StampConfig,
    VerifyConfig,
    Watermarker,
    library_watermarker,
    sniff_format,
    stamp,
    verify,
)
from likeness.provenance._image import DEFAULT_MAX_PIXELS
from likeness.provenance.keys import SigningMaterial, callback_signing_material
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker, make_image, make_info
from unit.provenance.tamper import png_dimensions_header, tamper_jpeg_scan, tamper_png_pixels
from unit.provenance.tools import EXIFTOOL, EXIFTOOL_MISSING, exiftool

FORMATS = ["JPEG", "PNG", "WEBP"]
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason=EXIFTOOL_MISSING)


def read_manifest(data: bytes, anchors: bytes | None) -> tuple[str | None, dict, list[str]]:
    """Validate with the C2PA SDK's own Reader, independent of likeness.provenance.verify."""
    settings: dict = {"verify": {"remote_manifest_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors.decode()}
    with (
        c2pa.Context.from_dict(settings) as context,
        c2pa.Reader(sniff_format(data).mime_type, io.BytesIO(data), None, context) as reader,
    ):
        results = reader.get_validation_results() or {}
        failures = [f["code"] for f in results.get("activeManifest", {}).get("failure", [])]
        return reader.get_validation_state(), reader.get_active_manifest(), failures


def assertion(manifest: dict, label: str) -> dict:
    return next(a["data"] for a in manifest["assertions"] if a["label"] == label)


@pytest.fixture(scope="module")
def stamped(stamp_config: StampConfig) -> dict[str, bytes]:
    return {fmt: stamp(make_image(fmt), make_info(), stamp_config) for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
def test_c2pa_reader_validates_the_manifest_against_our_ca(
    stamped: dict[str, bytes], signing: SigningMaterial, fmt: str
) -> None:
    data = stamped[fmt]
    assert sniff_format(data) is ImageFormat[fmt]
    # c2pa >= 0.68 reports "Trusted" for a valid manifest chained to a trust anchor.
    state, _, failures = read_manifest(data, signing.trust_anchors_pem)
    assert (state, failures) == ("Trusted", [])
    # Outside this installation our CA is unknown: intact, but untrusted.
    state, _, failures = read_manifest(data, None)
    assert state == "Valid"
    assert failures == ["signingCredential.untrusted"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_manifest_carries_source_type_soft_binding_release_and_tdm_opt_out(
    stamped: dict[str, bytes], signing: SigningMaterial, fmt: str
) -> None:
    info = make_info()
    _, manifest, _ = read_manifest(stamped[fmt], signing.trust_anchors_pem)
    actions = assertion(manifest, "c2pa.actions.v2")["actions"]
    assert [(a["action"], a["digitalSourceType"]) for a in actions] == [
        ("c2pa.created", TRAINED_ALGORITHMIC_MEDIA)
    ]
    binding = assertion(manifest, "c2pa.soft-binding")
    assert binding["alg"] == BlockPairWatermarker.algorithm
    assert base64.b64decode(binding["blocks"][0]["value"]) == info.watermark_payload
    assert info.asset_id in binding["name"]
    release = assertion(manifest, "io.likeness.release")
    assert release["asset_id"] == info.asset_id
    assert release["twin_id"] == info.twin_id
    assert release["license_id"] == info.license_id
    assert release["use_consent_sha256"] == info.consent_sha256
    assert release["approval_sha256"] == info.approval_sha256
    assert release["credit"] is None  # no name unless the license allows it
    entries = assertion(manifest, "cawg.training-mining")["entries"]
    assert set(entries) == {
        "cawg.ai_generative_training",
        "cawg.ai_inference",
        "cawg.ai_training",
        "cawg.data_mining",
    }
    assert {entry["use"] for entry in entries.values()} == {"notAllowed"}
    assert manifest["signature_info"]["alg"].lower() == "es256"


@needs_exiftool
@pytest.mark.parametrize("fmt", FORMATS)
def test_exiftool_reads_digital_source_type_and_ai_fields(
    stamped: dict[str, bytes], tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"released.{fmt.lower()}"
    path.write_bytes(stamped[fmt])
    tags = json.loads(exiftool("-json", "-XMP-iptcExt:all", "-XMP-photoshop:all", str(path)))[0]
    assert tags["DigitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert tags["AISystemUsed"] == "Likeness"
    assert tags["AISystemVersionUsed"] == make_info().ai_system_version
    assert "Credit" not in tags


@needs_exiftool
def test_relit_composite_is_declared_as_composite_with_trained_media(
    stamp_config: StampConfig, signing: SigningMaterial, tmp_path: Path
) -> None:
    info = make_info(kind=SourceKind.RELIT_COMPOSITE, talent_credit="Ana Lima")
    data = stamp(make_image("JPEG"), info, stamp_config)
    state, manifest, _ = read_manifest(data, signing.trust_anchors_pem)
    assert state == "Trusted"
    actions = assertion(manifest, "c2pa.actions.v2")["actions"]
    assert [a["action"] for a in actions] == ["c2pa.created", "c2pa.edited"]
    assert {a["digitalSourceType"] for a in actions} == {COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA}
    assert assertion(manifest, "io.likeness.release")["credit"] == "Ana Lima"
    path = tmp_path / "relit.jpg"
    path.write_bytes(data)
    tags = json.loads(exiftool("-json", "-XMP-iptcExt:all", "-XMP-photoshop:all", str(path)))[0]
    assert tags["DigitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert tags["Credit"] == "Ana Lima"


@needs_exiftool
def test_metadata_written_after_signing_would_break_the_manifest(
    stamped: dict[str, bytes], signing: SigningMaterial, tmp_path: Path
) -> None:
    """Why stamp() writes XMP before C2PA: any later metadata edit invalidates it."""
    path = tmp_path / "edited.jpg"
    path.write_bytes(stamped["JPEG"])
    exiftool("-overwrite_original", "-XMP-dc:Title=late edit", str(path))
    state, _, failures = read_manifest(path.read_bytes(), signing.trust_anchors_pem)
    assert state == "Invalid"
    assert "assertion.dataHash.mismatch" in failures


@pytest.mark.parametrize(
    ("fmt", "tamper"), [("PNG", tamper_png_pixels), ("JPEG", tamper_jpeg_scan)]
)
def test_pixel_tampering_after_signing_is_reported_invalid(
    stamped: dict[str, bytes],
    signing: SigningMaterial,
    verify_config: VerifyConfig,
    fmt: str,
    tamper,
) -> None:
    original = stamped[fmt]
    tampered = tamper(original)
    before = np.asarray(Image.open(io.BytesIO(original)).convert("RGB"), dtype=np.int16)
    after = np.asarray(Image.open(io.BytesIO(tampered)).convert("RGB"), dtype=np.int16)
    assert np.abs(before - after).sum() > 0  # the pixels really changed
    state, _, failures = read_manifest(tampered, signing.trust_anchors_pem)
    assert state == "Invalid"
    assert "assertion.dataHash.mismatch" in failures
    report = verify(tampered, verify_config)
    assert report.c2pa.state == "Invalid"
    assert not report.verified
    assert any("dataHash.mismatch" in error for error in report.c2pa.errors)


def _strip_with_pillow(data: bytes, fmt: str) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, format=fmt, **({"quality": 95} if fmt != "PNG" else {}))
    return out.getvalue()


REAL_WATERMARK = library_watermarker()
WATERMARKERS: dict[str, Watermarker] = {
    "fake": BlockPairWatermarker(),
    "real": REAL_WATERMARK,
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", list(WATERMARKERS))
def test_stripping_metadata_leaves_the_watermark_detectable(
    signing: SigningMaterial, tmp_path: Path, fmt: str, which: str
) -> None:
    watermarker = WATERMARKERS[which]
    config = StampConfig(signing, watermarker, WATERMARK_KEY)
    released = stamp(make_image(fmt, size=(384, 288)), make_info(), config)
    variants = {"re-encoded": _strip_with_pillow(released, fmt)}
    if EXIFTOOL is not None:
        path = tmp_path / f"strip.{fmt.lower()}"
        path.write_bytes(released)
        exiftool("-overwrite_original", "-all=", str(path))
        variants["exiftool -all="] = path.read_bytes()
    checker = VerifyConfig(watermarker=watermarker, watermark_key=WATERMARK_KEY)
    for how, data in variants.items():
        report = verify(data, checker)
        # exiftool drops JPEG's APP11 manifest but only the XMP of PNG/WebP, which
        # leaves their manifest present but broken: either way nothing verifies.
        assert report.c2pa.state in ("absent", "Invalid"), how
        assert not report.verified, how
        assert report.xmp.digital_source_type is None, how
        assert report.watermark.found, how
        assert report.watermark.payload_hex == make_info().watermark_payload.hex(), how
        assert report.label.present, how


def test_labels_follow_channel_and_license(
    stamp_config: StampConfig, verify_config: VerifyConfig
) -> None:
    image = make_image("PNG")
    cases = {
        (Channel.WEB, False): True,
        (Channel.INSTAGRAM, False): False,
        (Channel.INSTAGRAM, True): True,
        (Channel.FACEBOOK, False): False,
        (Channel.EMAIL, False): True,
        (Channel.TV, False): True,
    }
    for (channel, license_requires), expected in cases.items():
        info = make_info(channel=channel, license_requires_label=license_requires)
        report = verify(stamp(image, info, stamp_config), verify_config)
        assert report.label.present is expected, (channel, license_requires)
        recorded = report.c2pa.manifest.likeness["visible_label"]
        assert (recorded is not None) is expected


def test_pixels_are_deterministic_and_alpha_is_kept(stamp_config: StampConfig) -> None:
    source = make_image("PNG", mode="RGBA")
    first, second = (stamp(source, make_info(), stamp_config) for _ in range(2))
    assert first != second  # fresh manifest instance IDs each time
    a, b = Image.open(io.BytesIO(first)), Image.open(io.BytesIO(second))
    assert a.mode == "RGBA"
    assert a.tobytes() == b.tobytes()
    assert a.getchannel("A").getextrema() == (200, 200)


def test_callback_signer_produces_a_trusted_manifest(
    signing: SigningMaterial, keys_dir: Path
) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(signing.private_key_pem or b"", None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)

    class Kms:
        certificate_chain_pem = signing.chain_pem
        algorithm = signing.algorithm

        def sign(self, data: bytes) -> bytes:
            return key.sign(data, ec.ECDSA(hashes.SHA256()))

    material = callback_signing_material(Kms(), trust_anchors_pem=signing.trust_anchors_pem)
    config = StampConfig(material, BlockPairWatermarker(), WATERMARK_KEY)
    state, _, _ = read_manifest(
        stamp(make_image("JPEG"), make_info(), config), signing.trust_anchors_pem
    )
    assert state == "Trusted"


def test_unusable_inputs_are_rejected_clearly(stamp_config: StampConfig) -> None:
    with pytest.raises(ImageRejected, match="not a JPEG, PNG or WebP"):
        stamp(b"GIF89a" + b"\x00" * 40, make_info(), stamp_config)
    jpeg = make_image("JPEG")
    with pytest.raises(ImageRejected, match="cannot read the JPEG header"):
        stamp(jpeg[:300], make_info(), stamp_config)
    with pytest.raises(ImageRejected, match="cannot decode the JPEG image"):
        stamp(jpeg[: len(jpeg) * 4 // 5], make_info(), stamp_config)
    with pytest.raises(ImageRejected, match="too small for a legible"):
        stamp(make_image("PNG", size=(40, 30)), make_info(), stamp_config)
    with pytest.raises(ImageRejected, match=r"dimensions too large|the limit is"):
        stamp(png_dimensions_header(60000, 60000), make_info(), stamp_config)
    side = int(DEFAULT_MAX_PIXELS**0.5) + 10
    with pytest.raises(ImageRejected, match="the limit is"):
        stamp(png_dimensions_header(side, side), make_info(), stamp_config)


def test_stamp_config_refuses_a_bad_watermark_key(signing: SigningMaterial) -> None:
    with pytest.raises(SigningConfigurationError, match="32 bytes"):
        StampConfig(signing, BlockPairWatermarker(), b"short")


def test_stamp_config_from_settings_fails_at_start_without_init(tmp_path: Path) -> None:
    from likeness.settings import Settings

    with pytest.raises(SigningConfigurationError, match="likeness init"):
        StampConfig.from_settings(Settings(home=tmp_path))
