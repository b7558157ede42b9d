from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.provenance import (
    LibraryWatermarker,
    ProvenanceError,
    SigningConfigurationError,
    StampConfig,
    VerifyConfig,
    Watermarker,
    library_watermarker,
    stamp,
    verify,
)
from likeness.provenance._watermark import (
    LIBRARY_MODULE,
    load_watermark_key,
    require_library_watermarker,
)
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


def test_library_watermarker_adapts_the_module_when_it_has_embed_and_detect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = BlockPairWatermarker()
    module = types.ModuleType(LIBRARY_MODULE)
    monkeypatch.setitem(sys.modules, LIBRARY_MODULE, module)
    assert library_watermarker() is None  # e.g. the package exists but is half-written
    module.embed = fake.embed  # type: ignore[attr-defined]
    module.detect = fake.detect  # type: ignore[attr-defined]
    adapter = library_watermarker()
    assert isinstance(adapter, LibraryWatermarker)
    assert isinstance(adapter, Watermarker)
    pixels = np.full((128, 128, 3), 120, dtype=np.uint8)
    marked = adapter.embed(pixels, b"abcdefgh", WATERMARK_KEY)
    assert adapter.detect(marked, WATERMARK_KEY).payload == b"abcdefgh"
    monkeypatch.setitem(sys.modules, LIBRARY_MODULE, None)  # import fails
    assert library_watermarker() is None
    with pytest.raises(ProvenanceError, match=r"watermark library .* is not installed"):
        require_library_watermarker()


@pytest.mark.skipif(REAL is None, reason="likeness.imaging.watermark has not landed yet")
def test_real_watermark_survives_stamping_and_metadata_stripping(
    signing: SigningMaterial,
) -> None:
    assert REAL is not None
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
