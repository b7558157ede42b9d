from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.provenance import (
    LibraryWatermarker,
    SigningConfigurationError,
    StampConfig,
    VerifyConfig,
    Watermarker,
    library_watermarker,
    stamp,
    verify,
)
from likeness.provenance._watermark import load_watermark_key
from likeness.provenance.keys import SigningMaterial
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker, make_image, make_info

REAL = library_watermarker()


def test_fake_satisfies_the_protocol_and_round_trips() -> None:
    fake = BlockPairWatermarker()
    assert isinstance(fake, Watermarker)
    pixels = np.full((128, 128, 3), 128, dtype=np.uint8)
    marked = fake.embed(pixels, b"12345678", WATERMARK_KEY)
    detection = fake.detect(marked, WATERMARK_KEY)
    assert (detection.found, detection.payload) == (True, b"12345678")
    assert fake.detect(marked, bytes(32)).found is False
    assert fake.detect(pixels, WATERMARK_KEY).found is False


def test_watermark_key_is_read_and_checked(tmp_path: Path) -> None:
    assert load_watermark_key(tmp_path) is None
    (tmp_path / "watermark.key").write_bytes(WATERMARK_KEY)
    assert load_watermark_key(tmp_path) == WATERMARK_KEY
    (tmp_path / "watermark.key").write_bytes(b"too short")
    with pytest.raises(SigningConfigurationError, match="exactly 32 raw bytes"):
        load_watermark_key(tmp_path)


def test_library_watermarker_round_trips_a_payload_through_the_library() -> None:
    adapter = library_watermarker()
    assert isinstance(adapter, LibraryWatermarker)
    assert isinstance(adapter, Watermarker)
    rng = np.random.default_rng(3)
    pixels = rng.integers(40, 200, size=(256, 256, 3), dtype=np.uint8)
    marked = adapter.embed(pixels, b"abcdefgh", WATERMARK_KEY)
    assert marked.shape == pixels.shape
    assert adapter.detect(marked, WATERMARK_KEY).payload == b"abcdefgh"
    assert adapter.detect(pixels, WATERMARK_KEY).found is False


def test_real_watermark_survives_stamping_and_metadata_stripping(
    signing: SigningMaterial,
) -> None:
    config = StampConfig(signing, REAL, WATERMARK_KEY)
    released = stamp(make_image("JPEG", size=(512, 512)), make_info(), config)
    stripped = io.BytesIO()
    Image.open(io.BytesIO(released)).save(stripped, format="JPEG", quality=90)
    report = verify(
        stripped.getvalue(), VerifyConfig(watermarker=REAL, watermark_key=WATERMARK_KEY)
    )
    assert report.c2pa.state == "absent"
    assert report.watermark.found is True
    assert report.watermark.payload_hex == make_info().watermark_payload.hex()
