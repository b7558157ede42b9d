from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.provenance import (
    StampConfig,
    VerifyConfig,
    ensure_signing_material,
    library_watermarker,
)
from likeness.provenance.keys import SigningMaterial, local_signing_material
from unit.monitoring.servers import LocalServer, local_server


def png_bytes(
    size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), quality: int = 90) -> bytes:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


# --- signing, as the provenance tests make it (with the real watermark library) ----------

MARK_KEY = bytes(range(100, 132))


@pytest.fixture(scope="session")
def monitoring_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("monitoring-keys")
    ensure_signing_material(directory)
    return directory


@pytest.fixture(scope="session")
def monitoring_signing(monitoring_keys: Path) -> SigningMaterial:
    return local_signing_material(monitoring_keys)


@pytest.fixture(scope="session")
def monitoring_stamp(monitoring_signing: SigningMaterial) -> StampConfig:
    return StampConfig(monitoring_signing, library_watermarker(), MARK_KEY)


@pytest.fixture(scope="session")
def monitoring_verify(monitoring_signing: SigningMaterial) -> VerifyConfig:
    return VerifyConfig(
        trust_anchors_pem=monitoring_signing.trust_anchors_pem,
        watermarker=library_watermarker(),
        watermark_key=MARK_KEY,
    )
