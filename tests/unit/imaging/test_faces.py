from __future__ import annotations

import numpy as np
import pytest

from likeness.capture.qc import to_preview
from likeness.capture.synthetic import RigConfig, render_capture
from likeness.imaging.faces import (
    EMBEDDING_SIZE,
    IDENTITY_THRESHOLD,
    FaceAnalyzer,
    FaceConfig,
    InvalidImage,
    NoFaceFound,
    as_rgb8,
    identity_distance,
    models_dir,
    same_identity,
    summarize,
)


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    capture = render_capture(4, RigConfig(size=256, lights=8, shadow_resolution=128, yaws=(0.0,)))
    view = capture.views[0]
    return to_preview(view.full, view.alpha)


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer()


def test_models_come_from_the_installed_package() -> None:
    folder = models_dir()
    assert (folder / "shape_predictor_68_face_landmarks.dat").is_file()
    assert (folder / "dlib_face_recognition_resnet_model_v1.dat").is_file()


def test_detects_face_with_68_landmarks_in_place(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    face = analyzer.largest_face(portrait)
    assert face.landmarks.shape == (68, 2)
    inside = (
        (face.landmarks[:, 0] >= face.left - 10)
        & (face.landmarks[:, 0] <= face.right + 10)
        & (face.landmarks[:, 1] >= face.top - 10)
        & (face.landmarks[:, 1] <= face.bottom + 10)
    )
    assert inside.mean() > 0.9
    # Eyes (36-47) above the nose tip (33) above the mouth (48-67).
    eyes_y = face.landmarks[36:48, 1].mean()
    assert eyes_y < face.landmarks[33, 1] < face.landmarks[48:68, 1].mean()


def test_tight_crop_is_found_by_the_padded_retry(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    face = analyzer.largest_face(portrait)
    crop = portrait[face.top + 4 : face.bottom - 4, face.left + 4 : face.right - 4]
    assert analyzer.detect(crop), "padding retry should find a tightly cropped face"
    assert not FaceAnalyzer(FaceConfig(pad_retry=0.0, upsample=0)).detect(crop[::2, ::2])


def test_embedding_is_stable_and_distinguishes(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    a = analyzer.embed(portrait)
    assert a.shape == (EMBEDDING_SIZE,) and a.dtype == np.float32
    shifted = np.roll(portrait, 7, axis=1)
    assert same_identity(a, analyzer.embed(shifted))
    flipped_colors = portrait[:, :, ::-1].copy()  # a differently lit/tinted photo
    assert identity_distance(a, analyzer.embed(flipped_colors)) < IDENTITY_THRESHOLD
    summary = summarize([a, analyzer.embed(shifted)])
    assert summary.count == 2 and summary.spread < 0.2 and summary.matches(a)


def test_no_face_and_bad_images_are_clear_errors(analyzer: FaceAnalyzer) -> None:
    blank = np.full((128, 128, 3), 90, np.uint8)
    assert analyzer.detect(blank) == []
    with pytest.raises(NoFaceFound):
        analyzer.embed(blank)
    with pytest.raises(InvalidImage, match="too small"):
        analyzer.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(InvalidImage, match="NaN"):
        as_rgb8(np.full((64, 64), np.nan, np.float32))
    with pytest.raises(InvalidImage, match="128"):
        identity_distance(np.zeros(3), np.zeros(128))
    with pytest.raises(NoFaceFound):
        summarize([])


def test_as_rgb8_accepts_common_layouts() -> None:
    grey16 = np.full((40, 40), 65535, np.uint16)
    assert as_rgb8(grey16).shape == (40, 40, 3) and as_rgb8(grey16).max() == 255
    rgba = np.zeros((40, 40, 4), np.float32)
    assert as_rgb8(rgba).shape == (40, 40, 3)
    with pytest.raises(ValueError, match="threshold"):
        FaceConfig(threshold=0)
