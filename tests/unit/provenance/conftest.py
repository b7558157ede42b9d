from __future__ import annotations

from pathlib import Path

import pytest

from likeness.provenance import StampConfig, VerifyConfig, ensure_signing_material
from likeness.provenance.keys import SigningMaterial, local_signing_material
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    ensure_signing_material(directory)
    return directory


@pytest.fixture(scope="session")
def signing(keys_dir: Path) -> SigningMaterial:
    return local_signing_material(keys_dir)


@pytest.fixture(scope="session")
def stamp_config(signing: SigningMaterial) -> StampConfig:
    return StampConfig(signing, BlockPairWatermarker(), WATERMARK_KEY)


@pytest.fixture(scope="session")
def verify_config(signing: SigningMaterial) -> VerifyConfig:
    return VerifyConfig(
        trust_anchors_pem=signing.trust_anchors_pem,
        watermarker=BlockPairWatermarker(),
        watermark_key=WATERMARK_KEY,
    )
