"""What a generated or imported image's manifest says about how it was made: the engine,
the model files' SHA-256s, the seed, the source type, and an imported original kept as a
C2PA ingredient (issue 18)."""

from __future__ import annotations

import io
import json

import c2pa
import pytest

from likeness.provenance import (
    LIKENESS_ASSERTION,
    TRAINED_ALGORITHMIC_MEDIA,
    StampConfig,
    StampRefused,
    VerifyConfig,
    sniff_format,
    stamp,
    stamp_preview,
    verify,
)
from likeness.provenance._image import MAX_INPUT_BYTES
from likeness.provenance._verify import Report
from likeness.provenance.cli import _human_lines
from likeness.provenance.keys import SigningMaterial, ensure_signing_material
from likeness.provenance.keys import local_signing_material as local_material
from unit.provenance.c2pa_fixtures import camera_manifest, sign_manifest
from unit.provenance.fakes import make_image, make_info, sha
from unit.provenance.tamper import tamper_jpeg_scan

MODELS = (("sd_xl_base_1.0.safetensors", sha("sdxl")), ("talent-lora", sha("lora")))


def active(data: bytes, anchors: bytes | None) -> tuple[str | None, dict, dict]:
    """(validation state, active manifest, whole store) from the SDK's own Reader."""
    settings: dict = {"verify": {"remote_manifest_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors.decode()}
    fmt = sniff_format(data)
    assert fmt is not None
    with (
        c2pa.Context.from_dict(settings) as context,
        c2pa.Reader(fmt.mime_type, io.BytesIO(data), None, context) as reader,
    ):
        store = json.loads(reader.json())
        return reader.get_validation_state(), reader.get_active_manifest(), store


def assertion(manifest: dict, label: str) -> dict:
    return next(a["data"] for a in manifest["assertions"] if a["label"].startswith(label))


@pytest.fixture(scope="module")
def other_maker(tmp_path_factory: pytest.TempPathFactory) -> SigningMaterial:
    """Another party's signing material (a camera maker, another platform)."""
    directory = tmp_path_factory.mktemp("other-keys")
    ensure_signing_material(directory)
    return local_material(directory)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_manifest_names_engine_models_seed_and_trained_algorithmic_media(
    fmt: str, stamp_config: StampConfig, signing: SigningMaterial
) -> None:
    info = make_info(engine="comfyui", models=MODELS, seed=1234567890123)
    state, manifest, _ = active(
        stamp(make_image(fmt), info, stamp_config), signing.trust_anchors_pem
    )
    assert state == "Trusted"
    likeness = assertion(manifest, LIKENESS_ASSERTION)
    assert likeness["engine"] == "comfyui"
    assert likeness["seed"] == 1234567890123
    assert likeness["models"] == [{"name": name, "sha256": digest} for name, digest in MODELS]
    (created,) = assertion(manifest, "c2pa.actions")["actions"]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert created["parameters"]["engine"] == "comfyui"
    assert created["parameters"]["seed"] == 1234567890123
    assert [m["sha256"] for m in created["parameters"]["models"]] == [d for _, d in MODELS]
    assert manifest.get("ingredients", []) == []


def test_preview_manifest_carries_them_too(stamp_config: StampConfig) -> None:
    info = make_info(
        asset_kind="preview",
        approval_sha256=None,
        channel=None,
        engine="hosted",
        models=MODELS[:1],
        seed=0,
    )
    _, manifest, _ = active(stamp_preview(make_image("PNG"), info, stamp_config), None)
    likeness = assertion(manifest, LIKENESS_ASSERTION)
    assert likeness["asset_kind"] == "preview"
    assert (likeness["engine"], likeness["seed"]) == ("hosted", 0)
    assert likeness["models"] == [{"name": MODELS[0][0], "sha256": MODELS[0][1]}]


def test_without_generation_details_the_manifest_says_none(stamp_config: StampConfig) -> None:
    _, manifest, _ = active(stamp(make_image("JPEG"), make_info(), stamp_config), None)
    likeness = assertion(manifest, LIKENESS_ASSERTION)
    assert (likeness["engine"], likeness["models"], likeness["seed"]) == (None, [], None)
    (created,) = assertion(manifest, "c2pa.actions")["actions"]
    assert "parameters" not in created


def test_an_imported_image_keeps_its_own_manifest_as_parent_ingredient(
    stamp_config: StampConfig,
    signing: SigningMaterial,
    other_maker: SigningMaterial,
    verify_config: VerifyConfig,
) -> None:
    original, _ = sign_manifest(
        make_image("JPEG", seed=3), camera_manifest("image/jpeg"), other_maker
    )
    info = make_info(engine="import", ingredient=original, seed=5)
    released = stamp(make_image("JPEG", seed=3), info, stamp_config)

    state, manifest, store = active(released, signing.trust_anchors_pem)
    assert state == "Trusted"
    (ingredient,) = manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    assert ingredient["format"] == "image/jpeg"
    # The other maker's manifest travels inside the release's store, intact.
    parent = store["manifests"][ingredient["active_manifest"]]
    assert parent["claim_generator_info"][0]["name"] == "Other Camera App"
    opened = assertion(manifest, "c2pa.actions")["actions"][0]
    assert opened["action"] == "c2pa.opened"
    assert opened["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert opened["parameters"]["seed"] == 5

    report = verify(released, verify_config)
    assert report.verified
    assert report.c2pa.manifest is not None
    (summary,) = report.c2pa.manifest.ingredients
    assert summary["relationship"] == "parentOf"
    assert summary["manifest"] == ingredient["active_manifest"]
    # Intact, but the other maker is not on this installation's trust list.
    assert summary["validation"] == "Valid"
    assert report.to_dict()["c2pa"]["manifest"]["ingredients"] == [summary]


def test_an_imported_image_without_credentials_is_still_an_ingredient(
    stamp_config: StampConfig, signing: SigningMaterial, verify_config: VerifyConfig
) -> None:
    original = make_image("PNG", seed=4)
    released = stamp(original, make_info(engine="import", ingredient=original), stamp_config)
    state, manifest, _ = active(released, signing.trust_anchors_pem)
    assert state == "Trusted"
    (ingredient,) = manifest["ingredients"]
    assert (ingredient["relationship"], ingredient["format"]) == ("parentOf", "image/png")
    assert "active_manifest" not in ingredient
    report = verify(released, verify_config)
    assert report.c2pa.manifest is not None
    assert report.c2pa.manifest.ingredients[0]["manifest"] is None


def test_verify_human_output_names_engine_seed_models_and_ingredient(
    stamp_config: StampConfig, other_maker: SigningMaterial, verify_config: VerifyConfig
) -> None:
    original, _ = sign_manifest(make_image("PNG"), camera_manifest("image/png"), other_maker)
    info = make_info(engine="import", models=MODELS, seed=77, ingredient=original)
    report: Report = verify(stamp(make_image("PNG"), info, stamp_config), verify_config)
    text = "\n".join(_human_lines(report))
    assert "engine import · seed 77" in text
    for name, digest in MODELS:
        assert f"model {name} · sha256 {digest}" in text
    assert "ingredient parentOf" in text
    assert "its own Content Credentials (Valid)" in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("models", (("model", "ABC"),), "SHA-256 of model 'model'"),
        ("models", (("", sha("x")),), "a model name must be 1 to 200"),
        ("models", (("a", sha("x"), "extra"),), r"\(name, sha256\) pair"),
        ("models", ((1, sha("x")),), "a model name must be text"),
        ("models", tuple((f"m{i}", sha(str(i))) for i in range(33)), "at most 32"),
        ("seed", -1, "seed must be an integer"),
        ("seed", 2**64, "seed must be an integer"),
        ("seed", True, "seed must be an integer"),
        ("seed", "7", "seed must be an integer"),
        ("ingredient", b"", "non-empty bytes"),
        ("ingredient", b"GIF89a....", "not a JPEG, PNG or WebP"),
        ("ingredient", "image.png", "non-empty bytes"),
    ],
)
def test_bad_generation_details_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(StampRefused, match=message):
        make_info(**{field: value})


def test_an_over_large_ingredient_is_refused() -> None:
    huge = b"\x89PNG\r\n\x1a\n" + bytes(MAX_INPUT_BYTES)
    with pytest.raises(StampRefused, match="the limit is"):
        make_info(ingredient=huge)


def test_models_given_as_lists_are_kept_as_tuples() -> None:
    info = make_info(models=[["a", sha("a")]])
    assert info.models == (("a", sha("a")),)
    assert "ingredient" not in repr(make_info(ingredient=make_image("PNG")))


def test_an_ingredient_signed_by_a_trusted_party_is_trusted(
    stamp_config: StampConfig, verify_config: VerifyConfig
) -> None:
    earlier = stamp(make_image("PNG", seed=9), make_info(), stamp_config)
    released = stamp(make_image("PNG"), make_info(ingredient=earlier), stamp_config)
    report = verify(released, verify_config)
    assert report.c2pa.manifest is not None
    assert report.c2pa.manifest.ingredients[0]["validation"] == "Trusted"


def test_a_tampered_ingredient_is_kept_and_reported_invalid(
    stamp_config: StampConfig, other_maker: SigningMaterial, verify_config: VerifyConfig
) -> None:
    original, _ = sign_manifest(make_image("JPEG"), camera_manifest("image/jpeg"), other_maker)
    damaged = tamper_jpeg_scan(original)
    released = stamp(make_image("JPEG"), make_info(ingredient=damaged), stamp_config)
    report = verify(released, verify_config)
    assert report.verified  # the release itself is intact and trusted
    assert report.c2pa.manifest is not None
    assert report.c2pa.manifest.ingredients[0]["validation"] == "Invalid"
