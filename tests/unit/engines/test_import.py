"""The ``import`` engine: an image made elsewhere, its Content Credentials read, its
original file kept as the release's C2PA ingredient."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.engines import Engine, EngineRefused, InputRole, Task
from likeness.engines.import_ import ImportEngine
from likeness.provenance import (
    TRAINED_ALGORITHMIC_MEDIA,
    StampConfig,
    VerifyConfig,
    ensure_signing_material,
    stamp,
    verify,
)
from likeness.provenance.keys import SigningMaterial, local_signing_material
from likeness.settings import Settings
from unit.engines.remote_support import request
from unit.provenance.c2pa_fixtures import REMOTE_URL, camera_manifest, sign_manifest
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker, make_image, make_info
from unit.provenance.tamper import tamper_jpeg_scan


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> SigningMaterial:
    directory = tmp_path_factory.mktemp("platform-keys")
    ensure_signing_material(directory)
    return local_signing_material(directory)


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> SigningMaterial:
    directory = tmp_path_factory.mktemp("camera-keys")
    ensure_signing_material(directory)
    return local_signing_material(directory)


def importing(data: bytes, **kwargs: object) -> object:
    return request(Task.import_, prompt=None, inputs={InputRole.image: data}, **kwargs)


def pixels_of(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_a_plain_image_passes_through_with_its_original_file() -> None:
    original = make_image("PNG", seed=11)
    engine = ImportEngine()
    assert isinstance(engine, Engine)
    assert engine.info.tasks == {Task.import_} and engine.info.processor is None
    (image,) = engine.generate(importing(original, seed=9))
    assert np.array_equal(image.pixels, pixels_of(original))
    assert image.ingredient == original
    assert image.seed == 9
    assert image.params["source_format"] == "png"
    assert (image.params["source_width"], image.params["source_height"]) == (256, 192)
    assert image.params["credentials"] == {"state": "absent"}


def test_its_content_credentials_are_read_and_recorded(camera: SigningMaterial) -> None:
    original, _ = sign_manifest(make_image("JPEG"), camera_manifest("image/jpeg"), camera)
    (untrusted,) = ImportEngine().generate(importing(original))
    credentials = untrusted.params["credentials"]
    assert credentials["state"] == "Valid"  # intact, signer not on our trust list
    assert credentials["claim_generator"] == "Other Camera App 4.2"
    assert credentials["digital_source_type"].endswith("/digitalCapture")
    assert untrusted.ingredient == original
    trusting = ImportEngine(trust_anchors_pem=camera.trust_anchors_pem)
    (trusted,) = trusting.generate(importing(original))
    assert trusted.params["credentials"]["state"] == "Trusted"


def test_the_release_keeps_the_imported_manifest_as_its_ingredient(
    camera: SigningMaterial, platform: SigningMaterial
) -> None:
    original, _ = sign_manifest(make_image("JPEG"), camera_manifest("image/jpeg"), camera)
    (image,) = ImportEngine().generate(importing(original, seed=3))

    # What the generation feature does with an engine image: encode, stamp with it.
    encoded = io.BytesIO()
    Image.fromarray(image.pixels).save(encoded, format="PNG")
    info = make_info(engine="import", seed=image.seed, ingredient=image.ingredient)
    config = StampConfig(platform, BlockPairWatermarker(), WATERMARK_KEY)
    released = stamp(encoded.getvalue(), info, config)

    report = verify(
        released,
        VerifyConfig(
            trust_anchors_pem=platform.trust_anchors_pem,
            watermarker=BlockPairWatermarker(),
            watermark_key=WATERMARK_KEY,
        ),
    )
    assert report.verified
    manifest = report.c2pa.manifest
    assert manifest is not None
    assert manifest.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert manifest.likeness is not None and manifest.likeness["engine"] == "import"
    (ingredient,) = manifest.ingredients
    assert ingredient["relationship"] == "parentOf"
    assert ingredient["format"] == "image/jpeg"
    assert ingredient["manifest"] is not None  # the camera's manifest, kept inside
    assert ingredient["validation"] == "Valid"


def test_tampered_credentials_are_refused_unless_accepted(camera: SigningMaterial) -> None:
    original, _ = sign_manifest(make_image("JPEG"), camera_manifest("image/jpeg"), camera)
    damaged = tamper_jpeg_scan(original)
    with pytest.raises(EngineRefused, match="Content Credentials are invalid"):
        ImportEngine().generate(importing(damaged))
    (image,) = ImportEngine(accept_invalid_credentials=True).generate(importing(damaged))
    assert image.params["credentials"]["state"] == "Invalid"
    assert image.params["credentials"]["error_count"] >= 1
    assert image.ingredient == damaged


def test_a_remote_manifest_is_recorded_not_fetched(camera: SigningMaterial) -> None:
    manifest = camera_manifest("image/jpeg")
    original, _ = sign_manifest(
        make_image("JPEG"), manifest, camera, remote_url=REMOTE_URL, embed=False
    )
    (image,) = ImportEngine().generate(importing(original))
    assert image.params["credentials"]["state"] == "remote_not_fetched"
    assert image.params["credentials"]["remote_url"] == REMOTE_URL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + bytes(100), "not a PNG, JPEG or WebP image"),
        (b"%PDF-1.7\n", "not a PNG, JPEG or WebP image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "cannot be decoded"),
    ],
)
def test_non_images_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(EngineRefused, match=message):
        ImportEngine().generate(importing(data))


def test_over_large_inputs_are_refused() -> None:
    original = make_image("PNG", size=(256, 192))
    with pytest.raises(EngineRefused, match="the limit is 1000 bytes"):
        ImportEngine(max_bytes=1000).generate(importing(original))
    with pytest.raises(EngineRefused, match="256x192 pixels; the limit is 10000 pixels"):
        ImportEngine(max_pixels=10_000).generate(importing(original))


def test_a_wrong_brief_is_refused() -> None:
    engine = ImportEngine()
    with pytest.raises(EngineRefused, match="needs the image file"):
        engine.generate(request(Task.import_, prompt=None))
    with pytest.raises(EngineRefused, match="only imports"):
        engine.generate(request(Task.scene, inputs={InputRole.image: make_image("PNG")}))
    with pytest.raises(EngineRefused, match="exactly one image"):
        engine.generate(importing(make_image("PNG"), count=2))


def test_from_settings_trusts_the_installations_anchors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path))
    keys = Settings().keys_dir
    ensure_signing_material(keys)
    own = local_signing_material(keys)
    earlier = stamp(
        make_image("PNG"), make_info(), StampConfig(own, BlockPairWatermarker(), WATERMARK_KEY)
    )
    (image,) = ImportEngine.from_settings(Settings()).generate(importing(earlier))
    assert image.params["credentials"]["state"] == "Trusted"
    assert image.params["credentials"]["signer"]
