"""An engine's image, stamped: the manifest names the engine, the model files'
SHA-256s, the seed and the digital source type (issue 18)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.engines import EngineImage, EngineInfo, ModelUse, Task
from likeness.engines.stamping import stamp_fields
from likeness.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    StampConfig,
    VerifyConfig,
    ensure_signing_material,
    stamp,
    verify,
)
from likeness.provenance.keys import local_signing_material
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker, make_info, sha

SDXL = ModelUse("sd_xl_base_1.0.safetensors", sha("sdxl"), "openrail++", True)
LORA = ModelUse("talent.lora", sha("lora"), "likeness-talent", True)
INFO = EngineInfo(name="comfyui", tasks=frozenset({Task.scene}), models=(SDXL, LORA))


def pixels() -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(40, 200, (192, 256, 3), dtype=np.uint8)


def test_fields_default_to_the_engines_models() -> None:
    image = EngineImage(pixels=pixels(), seed=77)
    assert stamp_fields(INFO, image) == {
        "engine": "comfyui",
        "models": ((SDXL.name, SDXL.sha256), (LORA.name, LORA.sha256)),
        "seed": 77,
        "kind": "generated",
        "ingredient": None,
    }
    only = EngineImage(pixels=pixels(), seed=1, models=(SDXL,))
    assert stamp_fields(INFO, only)["models"] == ((SDXL.name, SDXL.sha256),)
    relit = EngineInfo(name="composite", tasks=frozenset({Task.composite}), generative=False)
    assert stamp_fields(relit, only)["kind"] == "relit-composite"


@pytest.mark.parametrize(
    ("generative", "source_type"),
    [(True, TRAINED_ALGORITHMIC_MEDIA), (False, COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA)],
)
def test_a_stamped_engine_image_names_engine_models_seed_and_source_type(
    tmp_path: Path, generative: bool, source_type: str
) -> None:
    ensure_signing_material(tmp_path)
    signing = local_signing_material(tmp_path)
    info = EngineInfo(
        name="comfyui", tasks=frozenset({Task.scene}), models=(SDXL, LORA), generative=generative
    )
    image = EngineImage(pixels=pixels(), seed=4242)
    encoded = io.BytesIO()
    Image.fromarray(image.pixels).save(encoded, format="PNG")
    config = StampConfig(signing, BlockPairWatermarker(), WATERMARK_KEY)
    released = stamp(encoded.getvalue(), make_info(**stamp_fields(info, image)), config)

    report = verify(
        released,
        VerifyConfig(signing.trust_anchors_pem, BlockPairWatermarker(), WATERMARK_KEY),
    )
    assert report.verified
    manifest = report.c2pa.manifest
    assert manifest is not None and manifest.likeness is not None
    assert manifest.digital_source_type == source_type
    assert manifest.likeness["engine"] == "comfyui"
    assert manifest.likeness["seed"] == 4242
    assert [m["sha256"] for m in manifest.likeness["models"]] == [SDXL.sha256, LORA.sha256]
