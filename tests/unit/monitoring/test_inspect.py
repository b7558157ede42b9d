"""Inspection: safe decode (never a crash), faces, the release mark and manifest read back."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness import provenance
from likeness.imaging.faces import FaceAnalyzer, identity_distance
from likeness.monitoring.findings import ImageFindings, SourceImage, WatermarkFinding
from likeness.monitoring.inspect import InspectConfig, inspect_image
from likeness.provenance import TRAINED_ALGORITHMIC_MEDIA, StampConfig, VerifyConfig, stamp
from reference_photos import portrait_rgb
from unit.imaging.face_spies import spy_on_detection
from unit.monitoring.conftest import MARK_KEY, jpeg_bytes, png_bytes
from unit.provenance.fakes import make_info
from unit.provenance.tamper import png_dimensions_header

NO_READERS = InspectConfig(faces=False, watermark=False, c2pa=False)


def source(data: bytes, location: str = "/scan/x.jpg") -> SourceImage:
    return SourceImage(location=location, data=data, fetched_at=datetime.now(UTC))


def inspect(data: bytes, config: InspectConfig = NO_READERS) -> ImageFindings:
    return inspect_image(source(data), config=config)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def noisy(size: tuple[int, int] = (256, 256)) -> Image.Image:
    rng = np.random.default_rng(5)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8), "RGB")


def thumbnail_pixels(findings: ImageFindings) -> np.ndarray:
    assert findings.thumbnail_png is not None
    return np.asarray(Image.open(io.BytesIO(findings.thumbnail_png)).convert("RGB"))


# --- decode problems -----------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    header_only = inspect(png_dimensions_header(100_000, 100_000))
    assert (header_only.readable, header_only.problem) == (False, "bomb")
    big = encode(Image.new("RGB", (2000, 1500)), "PNG")
    over = inspect(big, InspectConfig(faces=False, watermark=False, c2pa=False, max_pixels=10**6))
    assert (over.readable, over.problem) == (False, "bomb")
    assert over.sha256 and over.faces == () and over.thumbnail_png is None


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_truncated_file_is_unreadable(fmt: str) -> None:
    data = encode(noisy(), fmt)
    cut = inspect(data[: len(data) // 2])
    assert (cut.readable, cut.problem) == (False, "truncated")


def test_wrong_types_are_not_images() -> None:
    assert inspect(b"<html><body>a page</body></html>").problem == "not_an_image"
    assert inspect(b"%PDF-1.7 ...").problem == "not_an_image"
    assert inspect(b"").problem == "empty"
    # An image signature with garbage after it.
    assert inspect(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).problem in ("corrupt", "truncated")
    assert inspect(png_bytes(), InspectConfig(faces=False, max_bytes=100)).problem == "too_large"


def test_no_bytes_ever_crash_the_inspection() -> None:
    rng = np.random.default_rng(11)
    seeds = [encode(noisy((96, 64)), fmt) for fmt in ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")]
    for data in seeds:
        for _ in range(15):
            mutated = bytearray(data)
            for position in rng.integers(8, len(mutated), 6):
                mutated[position] = int(rng.integers(0, 256))
            cut = int(rng.integers(8, len(mutated) + 1))
            findings = inspect(bytes(mutated[:cut]), InspectConfig(watermark=False))
            assert findings.readable or findings.problem in {
                "bomb",
                "truncated",
                "corrupt",
                "not_an_image",
            }


def test_cmyk_is_converted_to_rgb() -> None:
    cmyk = Image.new("CMYK", (64, 48), (0, 255, 255, 0))  # no cyan: red
    findings = inspect(encode(cmyk, "JPEG", quality=95))
    assert findings.readable and (findings.width, findings.height) == (64, 48)
    r, g, b = thumbnail_pixels(findings).reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 60 and b < 60


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    grey = Image.fromarray(np.full((40, 60), 32768, dtype=np.uint16))
    data = encode(grey, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    findings = inspect(data)
    assert findings.readable and (findings.width, findings.height) == (60, 40)
    assert np.abs(thumbnail_pixels(findings).astype(int) - 128).max() <= 1


def test_exif_orientation_is_applied() -> None:
    pixels = np.zeros((40, 80, 3), np.uint8)
    pixels[:, :40] = (255, 0, 0)  # left half red
    pixels[:, 40:] = (0, 0, 255)  # right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: turn 90° clockwise to show
    findings = inspect(encode(Image.fromarray(pixels), "JPEG", quality=95, exif=exif.tobytes()))
    assert (findings.width, findings.height) == (40, 80)
    shown = thumbnail_pixels(findings).astype(int)
    top, bottom = shown[: shown.shape[0] // 4], shown[-shown.shape[0] // 4 :]
    assert top[..., 0].mean() > 200 and top[..., 2].mean() < 60  # the left half is on top
    assert bottom[..., 2].mean() > 200


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (50, 40), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    findings = inspect(data)
    assert findings.readable
    r, g, _ = thumbnail_pixels(findings).reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 60


def test_alpha_grey_and_palette_images_are_read() -> None:
    for image in (
        Image.new("RGBA", (64, 64), (10, 200, 30, 120)),
        Image.new("LA", (64, 64), (90, 255)),
        Image.new("RGB", (64, 64), (5, 6, 7)).convert("P"),
        Image.new("1", (64, 64), 1),
    ):
        findings = inspect(encode(image, "PNG"))
        assert findings.readable, image.mode
        assert thumbnail_pixels(findings).shape[2] == 3
    webp = inspect(encode(noisy((80, 60)), "WEBP"))
    assert webp.readable and (webp.width, webp.height) == (80, 60)


def test_the_thumbnail_is_a_small_png_and_the_digest_is_of_the_bytes() -> None:
    import hashlib

    data = encode(noisy((640, 480)), "JPEG")
    findings = inspect(data)
    assert findings.thumbnail_png is not None and findings.thumbnail_png[:4] == b"\x89PNG"
    thumb = Image.open(io.BytesIO(findings.thumbnail_png))
    assert max(thumb.size) == 160 and thumb.size == (160, 120)
    assert findings.sha256 == hashlib.sha256(data).hexdigest()
    assert findings.location == "/scan/x.jpg"


# --- faces ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer()


def test_faces_are_found_and_embedded_as_the_analyzer_does(analyzer: FaceAnalyzer) -> None:
    rgb = portrait_rgb(4)
    data = encode(Image.fromarray(rgb), "PNG")
    findings = inspect(data, InspectConfig(watermark=False, c2pa=False, analyzer=analyzer))
    assert findings.readable and len(findings.faces) == 1
    face = findings.faces[0]
    assert 0 <= face.left < face.right <= rgb.shape[1]
    assert 0 <= face.top < face.bottom <= rgb.shape[0]
    assert face.embedding.shape == (128,) and face.embedding.dtype == np.float32
    assert identity_distance(face.embedding, analyzer.embed(rgb)) < 1e-5
    other = inspect(
        encode(Image.fromarray(portrait_rgb(9)), "JPEG", quality=92),
        InspectConfig(watermark=False, c2pa=False, analyzer=analyzer),
    )
    assert identity_distance(other.faces[0].embedding, face.embedding) > 0.45


def test_two_people_side_by_side_give_two_faces(analyzer: FaceAnalyzer) -> None:
    pair = np.concatenate([portrait_rgb(4), portrait_rgb(9)], axis=1)
    findings = inspect(
        encode(Image.fromarray(pair), "PNG"),
        InspectConfig(watermark=False, c2pa=False, analyzer=analyzer),
    )
    assert len(findings.faces) == 2
    centres = sorted((f.left + f.right) / 2 for f in findings.faces)
    assert centres[0] < 256 < centres[1]


def test_no_face_in_a_picture_of_noise(analyzer: FaceAnalyzer) -> None:
    findings = inspect(jpeg_bytes((200, 200)), InspectConfig(c2pa=False, analyzer=analyzer))
    assert findings.readable and findings.faces == ()
    assert findings.watermark is None  # no key configured: the mark is not read


# --- a released Likeness asset ---------------------------------------------------------------


@pytest.fixture(scope="module")
def released(monitoring_stamp: StampConfig) -> tuple[bytes, str]:
    info = make_info()
    portrait = encode(Image.fromarray(portrait_rgb(4)), "JPEG", quality=95)
    return stamp(portrait, info, monitoring_stamp), info.asset_id


def test_a_released_assets_mark_and_manifest_are_read_back(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig, analyzer: FaceAnalyzer
) -> None:
    data, asset_id = released
    findings = inspect(data, InspectConfig(verify=monitoring_verify, analyzer=analyzer))
    assert findings.readable and len(findings.faces) == 1
    assert findings.watermark is not None
    assert findings.watermark.mark == asset_id[:16]
    assert findings.watermark.asset_id == asset_id  # the manifest names the marked asset
    assert findings.watermark.confidence > 0.5
    # Where the mark was read: a wholly marked release, so about the whole frame.
    box = findings.watermark.box
    assert box is not None
    left, top, right, bottom = box
    assert 0 <= left < right <= findings.width and 0 <= top < bottom <= findings.height
    assert (right - left) * (bottom - top) > 0.7 * findings.width * findings.height
    c2pa = findings.c2pa
    assert c2pa is not None
    assert (c2pa.present, c2pa.valid, c2pa.trusted, c2pa.state) == (True, True, True, "Trusted")
    assert c2pa.asset_id == asset_id and c2pa.asset_kind == "release"
    assert c2pa.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert c2pa.watermark_payload == asset_id[:16]


def test_an_unknown_signer_is_intact_but_not_trusted(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig
) -> None:
    data, asset_id = released
    untrusted = VerifyConfig(
        watermarker=monitoring_verify.watermarker, watermark_key=monitoring_verify.watermark_key
    )
    c2pa = inspect(data, InspectConfig(faces=False, verify=untrusted)).c2pa
    assert c2pa is not None
    assert (c2pa.present, c2pa.valid, c2pa.trusted, c2pa.state) == (True, True, False, "Valid")
    assert c2pa.asset_id == asset_id  # what it claims; only a trusted signer's word counts


def test_a_re_encoded_copy_keeps_its_mark_without_a_manifest(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig
) -> None:
    data, asset_id = released
    copy = encode(Image.open(io.BytesIO(data)).convert("RGB"), "JPEG", quality=95)
    findings = inspect(copy, InspectConfig(faces=False, verify=monitoring_verify))
    assert findings.c2pa is not None and not findings.c2pa.present
    assert findings.watermark is not None
    assert findings.watermark.mark == asset_id[:16]
    assert findings.watermark.asset_id == asset_id[:16]  # the mark: the registry looks it up


def test_a_tampered_manifest_is_present_but_invalid(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig
) -> None:
    from unit.provenance.tamper import tamper_jpeg_scan

    data, _ = released
    c2pa = inspect(
        tamper_jpeg_scan(data), InspectConfig(faces=False, verify=monitoring_verify)
    ).c2pa
    assert c2pa is not None and c2pa.present and not c2pa.valid and c2pa.asset_id is None


def test_c2pa_is_not_parsed_when_there_is_no_manifest_box(
    monkeypatch: pytest.MonkeyPatch, monitoring_verify: VerifyConfig
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("read_c2pa called for an image without a manifest")

    monkeypatch.setattr(provenance, "read_c2pa", refuse)
    findings = inspect(jpeg_bytes((200, 150)), InspectConfig(faces=False, verify=monitoring_verify))
    assert findings.c2pa is not None
    assert (findings.c2pa.present, findings.c2pa.state) == (False, "absent")
    assert findings.watermark is not None and findings.watermark.asset_id is None


def shrunk_copy(data: bytes, factor: float = 0.9, quality: int = 85) -> bytes:
    """A re-posted copy: resized and re-encoded (no manifest left)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    size = (round(image.width * factor), round(image.height * factor))
    return encode(image.resize(size, Image.Resampling.LANCZOS), "JPEG", quality=quality)


def test_a_shrunk_copy_with_a_face_is_read_thoroughly(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig, analyzer: FaceAnalyzer
) -> None:
    data, asset_id = released
    copy = shrunk_copy(data)
    findings = inspect(copy, InspectConfig(verify=monitoring_verify, analyzer=analyzer))
    assert len(findings.faces) == 1
    assert findings.watermark is not None and findings.watermark.mark == asset_id[:16]
    # Told that no face matters (none matches a monitored talent): the quick read only,
    # which this copy defeats; the caller is asked with the faces found.
    asked: list[int] = []

    def nobody(faces: tuple[object, ...]) -> bool:
        asked.append(len(faces))
        return False

    quick = inspect(
        copy, InspectConfig(verify=monitoring_verify, analyzer=analyzer, thorough_mark=nobody)
    )
    assert asked == [1]
    assert quick.watermark is not None and quick.watermark.mark is None


def test_a_picture_without_a_face_gets_the_quick_read_only(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig
) -> None:
    data, asset_id = released
    copy = shrunk_copy(data)
    no_faces = InspectConfig(faces=False, verify=monitoring_verify)
    assert inspect(copy, no_faces).watermark == WatermarkFinding(asset_id=None, confidence=0.0)
    always = InspectConfig(faces=False, verify=monitoring_verify, thorough_mark=lambda f: True)
    found = inspect(copy, always).watermark
    assert found is not None and found.mark == asset_id[:16]
    # An unshrunk copy needs no sweep: the quick read finds it.
    intact = inspect(shrunk_copy(data, 1.0, 95), no_faces).watermark
    assert intact is not None and intact.mark == asset_id[:16]


def test_the_installations_key_and_ca_are_what_verify_uses(tmp_path: Path) -> None:
    from likeness.provenance import ensure_signing_material, library_watermarker
    from likeness.provenance.keys import local_signing_material
    from likeness.settings import Settings

    settings = Settings(home=tmp_path)
    ensure_signing_material(settings.keys_dir)
    (settings.keys_dir / "watermark.key").write_bytes(MARK_KEY)
    config = StampConfig(local_signing_material(settings.keys_dir), library_watermarker(), MARK_KEY)
    info = make_info()
    data = stamp(encode(Image.fromarray(portrait_rgb(4)), "JPEG", quality=95), info, config)
    findings = inspect(data, InspectConfig.from_settings(settings))
    assert findings.watermark is not None and findings.watermark.asset_id == info.asset_id
    assert findings.c2pa is not None and findings.c2pa.trusted


def test_any_error_of_the_decoder_is_a_problem_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    import struct

    def broken(*args: object, **kwargs: object) -> Image.Image:
        raise struct.error("unpack requires a buffer of 4 bytes")  # not an OSError

    monkeypatch.setattr(Image, "open", broken)
    findings = inspect(png_bytes())
    assert (findings.readable, findings.problem) == (False, "corrupt")


# --- screening faces against the index (one embedding pass for strangers) ------------------


def talent_screen(talents: list[np.ndarray], asked: list[float] | None = None):  # type: ignore[no-untyped-def]
    """An in-memory stand-in for the face index: the nearest talent's distance."""

    def screen(embedding: np.ndarray) -> float | None:
        nearest = min(identity_distance(embedding, t) for t in talents)
        if asked is not None:
            asked.append(nearest)
        return nearest

    return screen


def test_a_face_near_a_talent_gets_exactly_the_reference_embedding(
    analyzer: FaceAnalyzer,
) -> None:
    rgb = portrait_rgb(4)
    data = encode(Image.fromarray(rgb), "JPEG", quality=90)
    full = inspect(data, InspectConfig(watermark=False, c2pa=False, analyzer=analyzer))
    talent = full.faces[0].embedding
    asked: list[float] = []
    screened = inspect(
        data,
        InspectConfig(
            watermark=False, c2pa=False, analyzer=analyzer, screen=talent_screen([talent], asked)
        ),
    )
    # Screened on the plain embedding (within reach), then the mirror pass: the same
    # embedding as the full path, so the index gives the same distance.
    assert len(asked) == 1 and asked[0] <= 0.27 + 0.16
    (face,) = screened.faces
    assert (face.left, face.top, face.right, face.bottom) == (
        full.faces[0].left,
        full.faces[0].top,
        full.faces[0].right,
        full.faces[0].bottom,
    )
    np.testing.assert_allclose(face.embedding, talent, atol=1e-6)


def test_screened_faces_keep_every_match_decision(analyzer: FaceAnalyzer) -> None:
    """Strangers (plain embedding) and talents' copies (cropped, resized, re-encoded:
    mirror pass, the reference embedding): the decisions of the full path."""
    from likeness.imaging.faces import FaceConfig

    talents = [analyzer.embed(portrait_rgb(seed)) for seed in (9, 11)]
    plain_analyzer = FaceAnalyzer(FaceConfig(mirror=False))
    plain_analyzer._models = analyzer._models  # the same loaded networks
    copies = [Image.fromarray(portrait_rgb(seed)) for seed in (4, 5, 6, 7)]
    nine, eleven = Image.fromarray(portrait_rgb(9)), Image.fromarray(portrait_rgb(11))
    copies += [
        nine.resize((200, 200), Image.Resampling.LANCZOS),
        eleven.crop((30, 20, 240, 250)),
        nine,
    ]
    paths = {"plain": 0, "mirror": 0}
    matched = 0
    for picture in copies:
        data = encode(picture, "JPEG", quality=80)
        full = inspect(data, InspectConfig(watermark=False, c2pa=False, analyzer=analyzer))
        asked: list[float] = []
        screened = inspect(
            data,
            InspectConfig(
                watermark=False,
                c2pa=False,
                analyzer=analyzer,
                screen=talent_screen(talents, asked),
            ),
        )
        assert len(full.faces) == len(screened.faces) == 1 and len(asked) == 1
        full_face, face = full.faces[0], screened.faces[0]
        assert (face.left, face.top, face.right, face.bottom) == (
            full_face.left,
            full_face.top,
            full_face.right,
            full_face.bottom,
        )
        if asked[0] > 0.27 + 0.16:
            # Far from every talent: one pass, the plain embedding (mirror=False's).
            paths["plain"] += 1
            plain = plain_analyzer.embed(_decoded(data))
            np.testing.assert_allclose(face.embedding, plain, atol=1e-6)
        else:
            paths["mirror"] += 1
            np.testing.assert_allclose(face.embedding, full_face.embedding, atol=1e-6)
        nearest_full = min(identity_distance(full_face.embedding, t) for t in talents)
        nearest = min(identity_distance(face.embedding, t) for t in talents)
        # The match decision at the threshold is the full path's.
        assert (nearest <= 0.27) == (nearest_full <= 0.27)
        matched += nearest <= 0.27
    assert paths["plain"] >= 4 and paths["mirror"] >= 3
    assert matched == 3  # each talent's copy, and no stranger


def _decoded(data: bytes) -> np.ndarray:
    from likeness.monitoring.inspect import decode_rgb

    return decode_rgb(data)[1]


def test_the_thorough_mark_read_follows_the_screen(
    released: tuple[bytes, str], monitoring_verify: VerifyConfig, analyzer: FaceAnalyzer
) -> None:
    data, asset_id = released
    copy = shrunk_copy(data)
    talent = analyzer.embed(portrait_rgb(4))
    stranger = analyzer.embed(portrait_rgb(9))
    # The face in the copy is the talent's: read thoroughly, the mark is found.
    matched = inspect(
        copy,
        InspectConfig(verify=monitoring_verify, analyzer=analyzer, screen=talent_screen([talent])),
    )
    assert matched.watermark is not None and matched.watermark.mark == asset_id[:16]
    # Only a stranger is enrolled (or nobody: None): the quick read only.
    for screen in (talent_screen([stranger]), lambda embedding: None):
        quick = inspect(
            copy, InspectConfig(verify=monitoring_verify, analyzer=analyzer, screen=screen)
        )
        assert len(quick.faces) == 1
        assert quick.watermark is not None and quick.watermark.mark is None


def test_index_screen_asks_the_index_as_wide_as_the_screen_needs() -> None:
    from likeness.monitoring.findings import FaceMatch
    from likeness.monitoring.inspect import SCREEN_MARGIN, index_screen

    asked: list[tuple[float | None, int]] = []

    class Index:
        def __init__(self, distance: float | None) -> None:
            self.distance = distance

        def match(
            self, embedding: np.ndarray, *, threshold: float | None = None, k: int = 5
        ) -> list[FaceMatch]:
            asked.append((threshold, k))
            if self.distance is None or threshold is None or self.distance > threshold:
                return []
            return [FaceMatch(talent_id="t", distance=self.distance)]

    vector = np.zeros(128, np.float32)
    assert index_screen(Index(0.35), threshold=0.27)(vector) == 0.35
    assert asked == [(pytest.approx(0.27 + SCREEN_MARGIN), 1)]
    assert index_screen(Index(0.9), threshold=0.27)(vector) is None
    config = InspectConfig(screen=index_screen(Index(0.40), threshold=0.3), screen_threshold=0.3)
    assert config.within_reach(vector)
    assert not InspectConfig(screen=index_screen(Index(0.5)), screen_threshold=0.27).within_reach(
        vector
    )


# --- the probe side's detection -----------------------------------------------------------


def test_the_default_analyzer_detects_with_the_probe_config() -> None:
    from likeness.monitoring import inspect as inspect_module

    analyzer = inspect_module._analyzer(InspectConfig(watermark=False, c2pa=False))
    assert analyzer.config == inspect_module.PROBE_FACE_CONFIG
    given = FaceAnalyzer()
    assert inspect_module._analyzer(InspectConfig(analyzer=given)) is given


def test_the_probe_config_differs_from_enrolments_in_detection_only() -> None:
    from dataclasses import replace

    from likeness.imaging.faces import FaceConfig
    from likeness.monitoring.inspect import PROBE_FACE_CONFIG

    enrolment = FaceConfig()  # what the talents' references are made with
    same_detection = replace(
        PROBE_FACE_CONFIG,
        upsample=enrolment.upsample,
        max_detect_side=enrolment.max_detect_side,
    )
    assert same_detection == enrolment  # landmarks, chips, network, mirror: the references'


def test_a_large_face_is_found_without_upsampling_and_keeps_its_match(
    analyzer: FaceAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``coarse_first``: a 640 px portrait's face is found by the pass without
    upsampling alone; its embedding moves a little, the match decisions do not."""
    import cv2

    calls = spy_on_detection(analyzer, monkeypatch)
    talent = cv2.resize(portrait_rgb(4), (640, 640), interpolation=cv2.INTER_CUBIC)
    data = encode(Image.fromarray(talent), "JPEG", quality=85)
    config = InspectConfig(watermark=False, c2pa=False, analyzer=analyzer)
    quick = inspect(data, config)
    assert calls == [0] and len(quick.faces) == 1
    calls.clear()
    reference = inspect(data, dataclasses.replace(config, coarse_first=False))
    assert calls == [None] and len(reference.faces) == 1
    face, full = quick.faces[0], reference.faces[0]
    assert abs(face.left - full.left) + abs(face.top - full.top) < (full.right - full.left) // 4
    assert identity_distance(face.embedding, full.embedding) < 0.15
    references = {seed: analyzer.embed(portrait_rgb(seed)) for seed in (4, 9, 11)}
    for seed, vector in references.items():
        near = identity_distance(face.embedding, vector) <= 0.27
        assert near == (identity_distance(full.embedding, vector) <= 0.27) == (seed == 4)
