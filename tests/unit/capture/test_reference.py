"""Reference photos reduced to identity templates: what is accepted and what is refused."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.capture.errors import ReferenceInvalid, ReferenceTooLarge
from likeness.capture.images import CaptureLimits
from likeness.capture.reference import (
    reference_template,
    template_bytes,
    template_from_bytes,
)
from likeness.imaging.faces import FaceAnalyzer, identity_distance
from reference_photos import png, portrait_rgb

ANALYZER = FaceAnalyzer()


def _jpeg(rgb: np.ndarray, orientation: int | None = None) -> bytes:
    buf = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.fromarray(rgb).save(buf, format="JPEG", quality=95, exif=exif)
    return buf.getvalue()


def test_a_portrait_gives_the_same_template_as_embedding_it_directly() -> None:
    template = reference_template(png(portrait_rgb(0)), ANALYZER)
    assert template.embedding.shape == (128,) and template.face_width >= 80
    assert identity_distance(template.embedding, ANALYZER.embed(portrait_rgb(0))) < 1e-4
    assert (template.width, template.height) == (256, 256)


def test_exif_orientation_is_applied_before_looking_for_the_face() -> None:
    upright = portrait_rgb(0)
    # Stored rotated 90° anticlockwise with orientation 6 ("rotate 90° clockwise to show").
    stored = np.ascontiguousarray(np.rot90(upright, k=1))
    template = reference_template(_jpeg(stored, orientation=6), ANALYZER)
    assert identity_distance(template.embedding, ANALYZER.embed(upright)) < 0.2
    with pytest.raises(ReferenceInvalid, match="no face found"):
        reference_template(_jpeg(stored), ANALYZER)


def test_grayscale_and_16_bit_portraits_are_accepted() -> None:
    gray = portrait_rgb(0).mean(axis=2).astype(np.uint8)
    assert reference_template(png(np.repeat(gray[..., None], 3, axis=2)), ANALYZER)
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="PNG")
    assert reference_template(buf.getvalue(), ANALYZER).face_width >= 80
    sixteen = portrait_rgb(0).astype(np.uint16) * 257
    import cv2

    ok, data = cv2.imencode(".png", np.ascontiguousarray(sixteen[..., ::-1]))
    assert ok
    template = reference_template(data.tobytes(), ANALYZER)
    assert identity_distance(template.embedding, ANALYZER.embed(portrait_rgb(0))) < 0.05


def test_files_over_the_limit_are_refused_before_decoding() -> None:
    data = png(portrait_rgb(0))
    with pytest.raises(ReferenceTooLarge, match="over the 1000-byte limit") as err:
        reference_template(data, ANALYZER, CaptureLimits(max_file_bytes=1000))
    assert err.value.status_code == 413
    with pytest.raises(ReferenceInvalid, match="over the 10000 limit"):
        reference_template(data, ANALYZER, CaptureLimits(max_pixels=10_000))


def test_exr_frames_are_not_reference_photos(tmp_path: Path) -> None:
    openexr = pytest.importorskip("OpenEXR")
    rgb = np.zeros((80, 80, 3), np.float32)
    header = {"compression": openexr.ZIP_COMPRESSION, "type": openexr.scanlineimage}
    with openexr.File(header, {"RGB": rgb}) as f:
        f.write(str(tmp_path / "f.exr"))
    with pytest.raises(ReferenceInvalid, match="not an EXR frame"):
        reference_template((tmp_path / "f.exr").read_bytes(), ANALYZER)


def test_truncated_data_is_refused_cleanly() -> None:
    data = _jpeg(portrait_rgb(0))
    with pytest.raises(ReferenceInvalid, match="refused"):
        reference_template(data[: len(data) // 3], ANALYZER)


def test_templates_round_trip_as_128_float32() -> None:
    vector = np.linspace(-1, 1, 128, dtype=np.float32)
    assert np.array_equal(template_from_bytes(template_bytes(vector)), vector)
    with pytest.raises(ValueError, match="128"):
        template_bytes(vector[:5])
    with pytest.raises(ValueError, match="wrong size"):
        template_from_bytes(b"\x00" * 12)
