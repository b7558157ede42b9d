"""The diffusers engine on a tiny random pipeline built in the test (nothing downloaded)."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from likeness.engines import (
    Brief,
    EngineCancelled,
    EngineRefused,
    EngineRequest,
    EngineUnavailable,
    Subject,
    Task,
)
from likeness.engines.diffusers import LORA_EXTRA, DiffusersEngine
from likeness.engines.diffusers._engine import _check_model_index
from likeness.modelreg import (
    OPT_IN_VARIABLE,
    ModelChecksumMismatch,
    ModelLicenseRefused,
    ModelManifestInvalid,
    write_manifest,
)
from tiny_diffusion import build_lora, build_pipeline, fake_lora, require_extra

require_extra()

pytestmark = pytest.mark.slow

FAST = {"steps": 2}
KEYPOINTS = {
    "nose": (48.0, 30.0),
    "left_eye": (54.0, 24.0),
    "right_eye": (42.0, 24.0),
    "chin": (48.0, 42.0),
    "neck": (48.0, 50.0),
    "left_shoulder": (70.0, 56.0),
    "right_shoulder": (26.0, 56.0),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    folder = build_pipeline(tmp_path_factory.mktemp("tiny") / "sd-tiny")
    lora = build_lora(folder)
    return folder, lora


@pytest.fixture
def weights(built: tuple[Path, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the tiny pipeline with a commercial-use manifest."""
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    folder = tmp_path / "weights"
    shutil.copytree(built[0], folder)
    write_manifest(folder, license="openrail++", name="sd-tiny")
    return folder


def _subject(extras: dict[str, bytes] | None = None) -> Subject:
    y, x = np.mgrid[0:96, 0:96].astype(np.float32)
    image = np.stack([x / 95, y / 95, 1 - x / 95], axis=-1) * 200
    image[((x - 48) / 18) ** 2 + ((y - 32) / 22) ** 2 <= 1] = (220, 180, 160)
    return Subject(
        twin_id="twin-1",
        twin_version=1,
        basis=None,
        reference=image.astype(np.uint8),
        reference_matte=np.ones((96, 96), np.float32),
        keypoints=KEYPOINTS,
        extras=extras or {},
    )


def _request(
    task: Task = Task.scene,
    *,
    seed: int = 7,
    subject: Subject | None = None,
    width: int = 64,
    height: int = 64,
    count: int = 1,
    pose_keypoints: dict[str, tuple[float, float]] | None = None,
    options: dict[str, object] | None = None,
) -> EngineRequest:
    brief = Brief(
        task=task,
        prompt="a model in a red coat",
        pose_keypoints=pose_keypoints,
        options={**FAST, **(options or {})},
    )
    return EngineRequest(
        brief=brief,
        subject=subject or _subject(),
        inputs={},
        width=width,
        height=height,
        seed=seed,
        count=count,
    )


def test_scene_makes_images_of_the_size_asked(weights: Path) -> None:
    engine = DiffusersEngine(weights, device="cpu")
    images = engine.generate(_request(count=2))
    assert [i.seed for i in images] == [7, 8]
    for image in images:
        assert image.pixels.shape == (64, 64, 3) and image.pixels.dtype == np.uint8
        assert image.params["pipeline"] == "StableDiffusionImg2ImgPipeline"
        assert image.params["steps"] == 2
        assert image.models is not None
        assert {m.name for m in image.models} == {m.name for m in engine.info.models}
    assert not np.array_equal(images[0].pixels, images[1].pixels)  # seeds 7 and 8
    # A size the pipeline cannot make (not a multiple of 8) is made near it, then fitted.
    odd = engine.generate(_request(Task.restyle, width=70, height=90))[0]
    assert odd.pixels.shape == (90, 70, 3)
    assert odd.params["generated_size"] == [72, 88]


def test_same_request_and_seed_give_byte_identical_images(
    weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_args: object) -> None:
        raise AssertionError("the diffusers engine tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    first = DiffusersEngine(weights, device="cpu").generate(_request(Task.pose))[0]
    again = DiffusersEngine(weights, device="cpu").generate(_request(Task.pose))[0]
    assert first.pixels.tobytes() == again.pixels.tobytes()
    other = DiffusersEngine(weights, device="cpu").generate(_request(Task.pose, seed=8))[0]
    assert other.pixels.tobytes() != first.pixels.tobytes()


# diffusers' Euler scheduler (SDXL's) hands numpy a torch tensor without `copy=`.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_an_sdxl_folder_makes_scenes_and_poses_deterministically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    folder = build_pipeline(tmp_path / "sdxl-tiny", xl=True)
    write_manifest(folder, license="openrail++", name="sdxl-tiny")
    engine = DiffusersEngine(folder, device="cpu")
    assert any(m.name == "sdxl-tiny/text_encoder_2/model.safetensors" for m in engine.info.models)
    for task, pipeline in (
        (Task.scene, "StableDiffusionXLImg2ImgPipeline"),
        (Task.pose, "StableDiffusionXLControlNetImg2ImgPipeline"),
    ):
        first = engine.generate(_request(task))[0]
        assert first.params["pipeline"] == pipeline and first.pixels.shape == (64, 64, 3)
        again = DiffusersEngine(folder, device="cpu").generate(_request(task))[0]
        assert again.pixels.tobytes() == first.pixels.tobytes()


def test_info_lists_every_weight_file_with_its_hash_and_licence(weights: Path) -> None:
    info = DiffusersEngine(weights, device="cpu").info
    manifest = json.loads((weights / "likeness-model.json").read_text())
    expected = {
        f"sd-tiny/{path}": sha
        for path, sha in manifest["files"].items()
        if path.endswith(".safetensors")
    }
    assert {m.name: m.sha256 for m in info.models} == expected
    assert "sd-tiny/controlnet/diffusion_pytorch_model.safetensors" in expected
    assert all(m.license == "openrail++" and m.commercial_use for m in info.models)
    assert info.tasks == {Task.scene, Task.restyle, Task.pose}
    assert info.processor is None and info.deterministic and info.generative


def test_without_a_controlnet_pose_is_not_offered(weights: Path) -> None:
    shutil.rmtree(weights / "controlnet")
    write_manifest(weights, license="openrail++", name="sd-tiny")
    engine = DiffusersEngine(weights, device="cpu")
    assert Task.pose not in engine.info.tasks
    with pytest.raises(EngineRefused, match="ControlNet"):
        engine.generate(_request(Task.pose))


def test_a_weight_file_that_differs_from_the_manifest_is_refused(weights: Path) -> None:
    unet = weights / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(unet.read_bytes())
    data[-1] ^= 0x01  # one bit of one weight
    unet.write_bytes(bytes(data))
    engine = DiffusersEngine(weights, device="cpu")
    with pytest.raises(EngineUnavailable, match="SHA-256") as caught:
        engine.generate(_request())
    assert isinstance(caught.value.__cause__, ModelChecksumMismatch)


def test_an_unlisted_weight_file_is_refused(weights: Path) -> None:
    shutil.copy(
        weights / "vae" / "diffusion_pytorch_model.safetensors",
        weights / "vae" / "diffusion_pytorch_model.fp16.safetensors",
    )
    with pytest.raises(EngineUnavailable, match="not listed") as caught:
        DiffusersEngine(weights, device="cpu").generate(_request())
    assert isinstance(caught.value.__cause__, ModelManifestInvalid)


@pytest.mark.parametrize("tag", ["cc-by-nc-4.0", "some-licence-nobody-read"])
def test_a_noncommercial_or_unknown_licence_needs_the_operator_opt_in(
    weights: Path, tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_manifest(weights, license=tag, name="sd-tiny")
    engine = DiffusersEngine(weights, device="cpu")
    assert not any(m.commercial_use for m in engine.info.models)  # a commercial request stops
    with pytest.raises(EngineUnavailable, match=OPT_IN_VARIABLE) as caught:
        engine.generate(_request())
    assert isinstance(caught.value.__cause__, ModelLicenseRefused)
    opted = DiffusersEngine(weights, device="cpu", allow_noncommercial=True)
    image = opted.generate(_request())[0]
    assert image.pixels.shape == (64, 64, 3)
    assert image.models is not None and not any(m.commercial_use for m in image.models)
    monkeypatch.setenv(OPT_IN_VARIABLE, "1")  # the setting does the same
    image = DiffusersEngine(weights, device="cpu").generate(_request())[0]
    assert image.pixels.shape == (64, 64, 3)


def test_a_folder_naming_a_custom_pipeline_class_is_refused(weights: Path) -> None:
    index = json.loads((weights / "model_index.json").read_text())
    index["_class_name"] = "MyOwnPipeline"
    (weights / "model_index.json").write_text(json.dumps(index))
    write_manifest(weights, license="openrail++", name="sd-tiny")
    with pytest.raises(EngineUnavailable, match="MyOwnPipeline"):
        DiffusersEngine(weights, device="cpu").generate(_request())


#: ``model_index.json`` as published with Stable Diffusion 1.5 (its safety checker and
#: feature extractor included).
SD15_INDEX = {
    "_class_name": "StableDiffusionPipeline",
    "_diffusers_version": "0.6.0",
    "feature_extractor": ["transformers", "CLIPImageProcessor"],
    "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
    "scheduler": ["diffusers", "PNDMScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}


def test_a_stock_sd15_model_index_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text(json.dumps(SD15_INDEX))
    _check_model_index(tmp_path)  # raises if refused


@pytest.mark.parametrize(
    ("component", "message"),
    [
        (["my_pipelines", "EvilChecker"], "comes from 'my_pipelines'"),
        (["stable_diffusion.evil", "EvilChecker"], "comes from 'stable_diffusion.evil'"),
        (["../stable_diffusion", "EvilChecker"], "comes from"),
        ([], r"must be \[library, class\]"),
        (["diffusers"], r"must be \[library, class\]"),
        (["diffusers", "UNet2DConditionModel", "extra"], r"must be \[library, class\]"),
    ],
)
def test_custom_or_malformed_components_are_refused(
    weights: Path, component: list[str], message: str
) -> None:
    index = json.loads((weights / "model_index.json").read_text())
    index["safety_checker"] = component
    (weights / "model_index.json").write_text(json.dumps(index))
    write_manifest(weights, license="openrail++", name="sd-tiny")
    with pytest.raises(EngineUnavailable, match=message):
        DiffusersEngine(weights, device="cpu").generate(_request())


def test_pose_follows_the_keypoints(weights: Path) -> None:
    engine = DiffusersEngine(weights, device="cpu")
    own = engine.generate(_request(Task.pose))[0]
    assert own.params["pipeline"] == "StableDiffusionControlNetImg2ImgPipeline"
    raised = {**KEYPOINTS, "left_elbow": (60.0, 20.0), "left_wrist": (50.0, 4.0)}
    moved = engine.generate(_request(Task.pose, pose_keypoints=raised))[0]
    assert not np.array_equal(own.pixels, moved.pixels)
    with pytest.raises(EngineRefused, match="keypoints"):
        engine.generate(_request(Task.pose, subject=_subject_without_keypoints()))


def _subject_without_keypoints() -> Subject:
    s = _subject()
    return Subject(s.twin_id, s.twin_version, None, s.reference, s.reference_matte, {})


def test_the_talent_lora_changes_the_image_and_never_outlives_its_request(
    weights: Path, built: tuple[Path, bytes]
) -> None:
    lora = built[1]
    engine = DiffusersEngine(weights, device="cpu")
    plain = engine.generate(_request())[0]
    with_lora = engine.generate(_request(subject=_subject({LORA_EXTRA: lora})))[0]
    assert not np.array_equal(plain.pixels, with_lora.pixels)
    assert with_lora.models is not None
    used = {m.name: m for m in with_lora.models}
    assert "talent-lora" in used and len(used["talent-lora"].sha256) == 64
    # The same engine, the next request without the LoRA: exactly as before.
    assert engine.generate(_request())[0].pixels.tobytes() == plain.pixels.tobytes()
    with pytest.raises(EngineRefused, match="safetensors"):
        engine.generate(_request(subject=_subject({LORA_EXTRA: b"not a lora"})))
    # A LoRA made for other weights (here: modules this UNet does not have) is refused,
    # not silently ignored, and leaves the pipeline as it was.
    with pytest.raises(EngineRefused, match="does not fit"):
        engine.generate(_request(subject=_subject({LORA_EXTRA: fake_lora()})))
    assert engine.generate(_request())[0].pixels.tobytes() == plain.pixels.tobytes()


def test_a_cancelled_job_stops_the_engine(weights: Path) -> None:
    seen: list[float] = []

    def progress(fraction: float, _message: str) -> bool:
        seen.append(fraction)
        return False

    request = _request()
    request = EngineRequest(
        request.brief, request.subject, {}, 64, 64, 7, count=2, progress=progress
    )
    with pytest.raises(EngineCancelled):
        DiffusersEngine(weights, device="cpu").generate(request)
    assert len(seen) == 1


def test_bad_requests_are_refused_before_anything_loads(tmp_path: Path) -> None:
    engine = DiffusersEngine(tmp_path / "absent", device="cpu")
    with pytest.raises(EngineRefused, match="cannot do studio"):
        engine.generate(_request(Task.studio))
    with pytest.raises(EngineRefused, match="unknown diffusers option"):
        engine.generate(_request(options={"sampler": "euler"}))
    with pytest.raises(EngineRefused, match="strength"):
        engine.generate(_request(options={"strength": 3}))
    with pytest.raises(EngineRefused, match="width"):
        engine.generate(_request(width=10))
    with pytest.raises(EngineUnavailable, match="does not exist"):
        engine.generate(_request())
    with pytest.raises(EngineUnavailable, match="LIKENESS_ENGINES__DIFFUSERS__PATH"):
        _ = DiffusersEngine(None, device="cpu").info
