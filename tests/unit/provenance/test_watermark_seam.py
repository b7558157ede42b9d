from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from likeness.provenance import (
    LibraryWatermarker,
    SigningConfigurationError,
    Watermarker,
    library_watermarker,
)
from likeness.provenance._watermark import load_watermark_key
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker

REAL_LIBRARY = importlib.util.find_spec("likeness.imaging.watermark") is not None


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


def test_library_watermarker_matches_availability() -> None:
    watermarker = library_watermarker()
    if REAL_LIBRARY and watermarker is not None:
        assert isinstance(watermarker, LibraryWatermarker)
        assert isinstance(watermarker, Watermarker)
    if not REAL_LIBRARY:
        assert watermarker is None
