"""The NumPy port of dlib's embedding network: dlib's descriptors, and dlib where it cannot."""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

import numpy as np
import pytest

from likeness.capture.qc import to_preview
from likeness.capture.synthetic import RigConfig, render_capture
from likeness.imaging.faces import FaceAnalyzer, FaceConfig, _blas, models_dir
from likeness.imaging.faces import _models as models_module
from likeness.imaging.faces._resnet import (
    CHIP_SIZE,
    ResnetFormatError,
    _add,
    load_weights,
    run_network,
)

#: The brief's bound on how far the port's descriptors may sit from dlib's (they measure
#: about 2e-7: float32 rounding in a different order of summation).
TOLERANCE = 1e-4
MODEL = "dlib_face_recognition_resnet_model_v1.dat"


@pytest.fixture(scope="module")
def portraits() -> list[np.ndarray]:
    """Synthetic people (the project's cast), large and small, at 256 px and 384 px."""
    out = []
    for seed, size in ((4, 256), (7, 256), (11, 384)):
        rig = RigConfig(size=size, lights=8, shadow_resolution=128, yaws=(0.0,))
        view = render_capture(seed, rig).views[0]
        out.append(to_preview(view.full, view.alpha))
    return out


@pytest.fixture(scope="module")
def weights_path() -> Path:
    return models_dir() / MODEL


def test_the_network_gives_dlibs_descriptors_on_chips(weights_path: Path) -> None:
    import dlib

    rng = np.random.default_rng(3)
    chips = rng.integers(0, 256, (3, CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
    chips[2] = 128  # flat grey: every activation from the biases alone
    reference = dlib.face_recognition_model_v1(str(weights_path))
    expected = np.array([np.asarray(reference.compute_face_descriptor(c)) for c in chips])
    got = run_network(load_weights(weights_path), chips)
    assert got.shape == (3, 128) and got.dtype == np.float32
    assert np.abs(got - expected).max() <= TOLERANCE
    # Not a trivial agreement: the three chips give clearly different descriptors.
    assert np.linalg.norm(expected[0] - expected[2]) > 0.1


def test_a_batch_gives_what_each_chip_gives_alone(weights_path: Path) -> None:
    weights = load_weights(weights_path)
    chips = np.random.default_rng(5).integers(0, 256, (2, 150, 150, 3), dtype=np.uint8)
    both = run_network(weights, chips)
    alone = np.concatenate([run_network(weights, chips[i : i + 1]) for i in range(2)])
    assert np.abs(both - alone).max() <= 1e-6


def test_the_analyzer_embeds_synthetic_faces_as_dlib_does(portraits: list[np.ndarray]) -> None:
    port = FaceAnalyzer()
    reference = FaceAnalyzer(FaceConfig(embedder="dlib"))
    compared = 0
    for image in portraits:
        for face in port.detect(image):
            got = port.embed_aligned(image, face)
            expected = reference.embed_aligned(image, face)
            assert got.dtype == np.float32 and got.shape == (128,)
            assert np.abs(got - expected).max() <= TOLERANCE
            compared += 1
    assert compared >= len(portraits)
    # The screened path (a plain pass, then the mirror's only when asked) too.
    image = portraits[0]
    for mirror in (False, True):

        def screen(vector: np.ndarray, answer: bool = mirror) -> bool:
            return answer

        _, (got,) = port.detect_and_embed(image, lambda f: f[:1], mirror_if=screen)
        _, (expected,) = reference.detect_and_embed(image, lambda f: f[:1], mirror_if=screen)
        assert np.abs(got - expected).max() <= TOLERANCE


def test_jitter_and_the_dlib_setting_use_dlibs_network(portraits: list[np.ndarray]) -> None:
    assert FaceAnalyzer(FaceConfig(jitter=2))._network() is None
    assert FaceAnalyzer(FaceConfig(embedder="dlib"))._network() is None
    assert FaceAnalyzer(FaceConfig(jitter=1))._network() is not None
    with pytest.raises(ValueError, match="embedder"):
        FaceConfig(embedder="onnx")


def test_a_model_file_that_does_not_parse_falls_back_to_dlib(
    portraits: list[np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(path: Path) -> None:
        raise ResnetFormatError("unexpected layer 'mystery_'")

    monkeypatch.setattr(models_module, "load_weights", refuse)
    analyzer = FaceAnalyzer()
    with caplog.at_level(logging.WARNING, logger="likeness.imaging.faces._models"):
        got = analyzer.embed(portraits[0])
        again = analyzer.embed(portraits[0])
    expected = FaceAnalyzer(FaceConfig(embedder="dlib")).embed(portraits[0])
    assert np.array_equal(got, expected) and np.array_equal(again, expected)
    assert len([r for r in caplog.records if "does not parse" in r.message]) == 1


@pytest.mark.parametrize("cut", [0, 1, 100, 5_000_000, -1])
def test_a_truncated_or_padded_model_file_is_refused(
    weights_path: Path, tmp_path: Path, cut: int
) -> None:
    data = weights_path.read_bytes()
    broken = tmp_path / MODEL
    broken.write_bytes(data + b"\x00" if cut == -1 else data[:cut])
    with pytest.raises(ResnetFormatError):
        load_weights(broken)


def test_another_network_is_refused(weights_path: Path, tmp_path: Path) -> None:
    data = bytearray(weights_path.read_bytes())
    # The same file with one layer renamed: a layer this port does not implement.
    at = data.index(b"relu_")
    data[at : at + 5] = b"relv_"
    other = tmp_path / MODEL
    other.write_bytes(bytes(data))
    with pytest.raises(ResnetFormatError, match="relv_"):
        load_weights(other)


def test_tensors_of_different_shapes_add_as_dlib_adds_them() -> None:
    # A down-sampling block's branch (3×3 here) and its shortcut (4×4, more channels).
    branch = np.ones((1, 3, 3, 2), np.float32)
    shortcut = np.full((1, 4, 4, 3), 10.0, np.float32)
    total = _add(branch, shortcut)
    assert total.shape == (1, 4, 4, 3)
    assert np.all(total[:, :3, :3, :2] == 11.0)
    assert np.all(total[:, 3, :, :] == 10.0) and np.all(total[..., 2] == 10.0)


def test_chips_of_the_wrong_shape_are_refused(weights_path: Path) -> None:
    with pytest.raises(ValueError, match="chips"):
        run_network(load_weights(weights_path), np.zeros((1, 100, 100, 3), np.uint8))


def test_the_network_runs_on_one_blas_thread_and_restores_the_count() -> None:
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    found = sorted(folder.glob("lib*openblas*.so*"))
    if not found or _blas._set_local_threads() is None:
        pytest.skip("this NumPy does not bundle OpenBLAS 0.3.27+ (Linux wheels do)")
    library = ctypes.CDLL(str(found[0]))
    getter = next(
        getattr(library, name)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads")
        if hasattr(library, name)
    )
    before = getter()
    seen = []
    with _blas.one_blas_thread():
        seen.append(getter())
    assert seen == [1] and getter() == before


def test_without_openblas_the_network_runs_as_it_is(
    weights_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chips = np.random.default_rng(9).integers(0, 256, (1, 150, 150, 3), dtype=np.uint8)
    weights = load_weights(weights_path)
    expected = run_network(weights, chips)
    monkeypatch.setattr(_blas, "_set_local_threads", lambda: None)
    # OpenBLAS left free may split the products over several threads, which changes
    # the float rounding in the last bits, not the result.
    np.testing.assert_allclose(run_network(weights, chips), expected, rtol=0, atol=1e-6)
