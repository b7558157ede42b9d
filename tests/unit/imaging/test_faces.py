from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from likeness import modelreg
from likeness.capture.qc import to_preview
from likeness.capture.synthetic import RigConfig, render_capture
from likeness.imaging.faces import (
    EMBEDDING_SIZE,
    FIRST_PASS_MIN_WIDTH,
    IDENTITY_THRESHOLD,
    DlibModels,
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
from unit.imaging.face_spies import spy_on_detection


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
    assert (folder / "shape_predictor_5_face_landmarks.dat").is_file()
    assert (folder / "dlib_face_recognition_resnet_model_v1.dat").is_file()


def test_detects_face_with_5_landmarks_in_place(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    face = analyzer.largest_face(portrait)
    assert face.landmarks.shape == (5, 2)
    inside = (
        (face.landmarks[:, 0] >= face.left)
        & (face.landmarks[:, 0] <= face.right)
        & (face.landmarks[:, 1] >= face.top)
        & (face.landmarks[:, 1] <= face.bottom)
    )
    assert inside.all()
    # Eyes side by side, on a near-level line, above the base of the nose, which lies
    # between them across.
    (lx, ly), (rx, ry) = face.eye_centres
    interocular = rx - lx
    assert interocular > 0.25 * face.width
    assert abs(ly - ry) < 0.15 * interocular
    nx, ny = face.nose
    assert lx < nx < rx
    assert ny > max(ly, ry) + 0.3 * interocular


def test_only_commercially_usable_models_are_loaded(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    analyzer.embed(portrait)
    used = analyzer.models_used()
    assert {m.name for m in used} == {
        "dlib-hog-frontal-face",
        "dlib-shape-predictor-5",
        "dlib-resnet-face-v1",
    }
    assert all(m.entry is not None and m.entry.commercial_use for m in used)
    assert not any(m.opted_in for m in used)


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


def test_a_model_file_the_registry_did_not_vet_is_refused(
    portrait: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from likeness.modelreg import _check

    pinned = tuple(
        dataclasses.replace(e, sha256="0" * 64) if e.name == "dlib-shape-predictor-5" else e
        for e in _check.REGISTRY
    )
    monkeypatch.setattr(_check, "REGISTRY", pinned)
    monkeypatch.delenv(modelreg.OPT_IN_VARIABLE, raising=False)
    with pytest.raises(modelreg.ModelChecksumMismatch, match="shape_predictor_5_face_landmarks"):
        FaceAnalyzer().detect(portrait)
    # The operator's opt-in lets it load, and the analyzer says so.
    analyzer = FaceAnalyzer(models=DlibModels(allow_noncommercial=True))
    assert analyzer.detect(portrait)
    assert [m.name for m in analyzer.models_used() if m.opted_in] == ["dlib-shape-predictor-5"]


def test_embed_aligned_reuses_the_landmarks_of_another_image_on_the_same_grid(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    face = analyzer.largest_face(portrait)
    assert face.mirror_landmarks is not None and face.mirror_landmarks.shape == (5, 2)
    # Mirrored back, the mirror's landmarks land near the originals (eye corners swap).
    back = face.mirror_landmarks.copy()
    back[:, 0] = portrait.shape[1] - 1 - back[:, 0]
    assert np.abs(back[[2, 3, 0, 1, 4]] - face.landmarks).max() < 0.1 * face.width
    # On the image it was found in, it is the ordinary embedding.
    assert (
        identity_distance(analyzer.embed_aligned(portrait, face), analyzer.embed(portrait)) < 1e-4
    )
    # A dimmer frame on the same grid embeds on the bright frame's geometry, as the
    # same person.
    dim = (portrait.astype(np.float32) * 0.3).astype(np.uint8)
    vector = analyzer.embed_aligned(dim, face)
    assert vector.shape == (EMBEDDING_SIZE,) and np.isfinite(vector).all()
    assert identity_distance(vector, analyzer.embed(portrait)) < IDENTITY_THRESHOLD


class _CountingModels(DlibModels):
    """Counts landmark predictions."""

    def __init__(self) -> None:
        super().__init__()
        self.predictions = 0

    @property
    def shape5(self) -> object:
        predictor = super().shape5

        def predict(image: np.ndarray, rect: object) -> object:
            self.predictions += 1
            return predictor(image, rect)

        return predict


def test_a_detected_face_is_embedded_without_predicting_its_landmarks_again(
    portrait: np.ndarray,
) -> None:
    models = _CountingModels()
    analyzer = FaceAnalyzer(models=models)
    face = analyzer.largest_face(portrait)
    assert models.predictions == 2  # the face and its mirror image
    analyzer.embed_aligned(portrait, face)
    analyzer.embed_largest(portrait)
    assert models.predictions == 4  # embed_largest detects once more, embeds without


def test_detected_landmarks_are_the_ones_embed_uses_even_at_the_border(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    face = analyzer.largest_face(portrait)
    # A crop whose border cuts through the face: the landmarks must not depend on the
    # pixels outside it being read as black.
    crop = np.ascontiguousarray(portrait[face.top + 4 : face.bottom - 4, face.left + 4 :])
    found = analyzer.largest_face(crop)
    assert np.array_equal(analyzer.embed_aligned(crop, found), analyzer.embed(crop, found))


def test_windows_around_a_face_give_what_the_whole_padded_image_gives(
    portrait: np.ndarray, analyzer: FaceAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Landmarks and embeddings (and their mirror halves) read only a window around the
    face: the same, to the bit, as with a window as large as the padded image (the
    whole padded copy and its mirror, as before), also for a face cut by the border.
    (dlib's jitter re-samples the aligned chip once it is cut out, and is random.)"""
    from likeness.imaging.faces import _faces

    face = analyzer.largest_face(portrait)
    wide = np.ascontiguousarray(np.pad(portrait, ((40, 40), (200, 10), (0, 0)), mode="edge"))
    cut = np.ascontiguousarray(portrait[face.top + 4 : face.bottom - 4, face.left + 4 :])
    for image in (portrait, wide, cut):
        monkeypatch.setattr(_faces, "_WINDOW_MARGIN", 1.0)
        small = analyzer.detect(image)
        windowed = [analyzer.embed_aligned(image, f) for f in small]
        monkeypatch.setattr(_faces, "_WINDOW_MARGIN", 100.0)  # the whole padded image
        whole = analyzer.detect(image)
        assert len(small) == len(whole) == 1
        assert np.array_equal(small[0].landmarks, whole[0].landmarks)
        assert np.array_equal(small[0].mirror_landmarks, whole[0].mirror_landmarks)  # type: ignore[arg-type]
        assert np.array_equal(windowed[0], analyzer.embed_aligned(image, whole[0]))
        found, embedded = analyzer.detect_and_embed(image, lambda faces: faces[:1])
        assert len(found) == 1 and np.array_equal(found[0].landmarks, small[0].landmarks)
        assert len(embedded) == 1 and np.array_equal(embedded[0], windowed[0])


def test_detect_and_embed_screens_the_mirror_pass(
    portrait: np.ndarray, analyzer: FaceAnalyzer
) -> None:
    pair = np.concatenate([portrait, portrait[:, ::-1]], axis=1)
    faces, full = analyzer.detect_and_embed(pair, list)
    assert len(faces) == 2
    seen: list[np.ndarray] = []

    def only_the_first(vector: np.ndarray) -> bool:
        seen.append(vector)
        return len(seen) == 1

    same_faces, screened = analyzer.detect_and_embed(pair, list, mirror_if=only_the_first)
    assert [(f.left, f.top, f.right, f.bottom) for f in same_faces] == [
        (f.left, f.top, f.right, f.bottom) for f in faces
    ]
    # Said yes to: exactly the mirror-averaged embedding of the plain path.
    assert np.array_equal(screened[0], full[0])
    # Said no to: the plain embedding, what an analyzer without the mirror gives.
    plain = FaceAnalyzer(dataclasses.replace(FaceConfig(), mirror=False))
    _, unmirrored = plain.detect_and_embed(pair, list)
    np.testing.assert_allclose(screened[1], unmirrored[1], atol=1e-6)
    np.testing.assert_allclose(seen[1], unmirrored[1], atol=1e-6)
    assert not np.allclose(screened[1], full[1], atol=1e-4)


def test_the_coarse_retry_finds_what_the_full_retry_finds(
    portrait: np.ndarray, analyzer: FaceAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    face = analyzer.largest_face(portrait)
    # Cropped tight to the face: only the retry on a padded copy finds it.
    tight = np.ascontiguousarray(
        portrait[face.top + 14 : face.bottom - 7, face.left + 14 : face.right - 14]
    )
    calls = spy_on_detection(analyzer, monkeypatch)
    # A small picture (under COARSE_MIN_SIDE) always gets the full retry.
    assert len(analyzer.detect_and_embed(tight, list, coarse_retry=True)[0]) == 1
    assert calls == [None, None]
    calls.clear()
    tight = cv2.resize(tight, (400, 430), interpolation=cv2.INTER_CUBIC)
    full_faces, full = analyzer.detect_and_embed(tight, list)
    assert len(full_faces) == 1 and len(calls) == 2  # the image, then the padded copy
    calls.clear()
    faces, embeddings = analyzer.detect_and_embed(tight, list, coarse_retry=True)
    assert calls == [None, 0, None]  # coarse found it: the reference retry, as before
    assert [(f.left, f.top, f.right, f.bottom) for f in faces] == [
        (f.left, f.top, f.right, f.bottom) for f in full_faces
    ]
    assert np.array_equal(faces[0].landmarks, full_faces[0].landmarks)
    assert np.array_equal(embeddings[0], full[0])
    # A picture without a face: the reference retry is not run.
    noise = np.random.default_rng(3).integers(0, 256, (400, 400, 3), dtype=np.uint8)
    calls.clear()
    assert analyzer.detect_and_embed(noise, list, coarse_retry=True) == ([], [])
    assert calls == [None, 0]


def test_the_first_pass_keeps_large_faces_and_defers_small_ones(
    portrait: np.ndarray, analyzer: FaceAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_on_detection(analyzer, monkeypatch)
    # A 640 px portrait: its face is over FIRST_PASS_MIN_WIDTH on the 512 px copy, so
    # the pass without upsampling is the only one.
    large = cv2.resize(portrait, (640, 640), interpolation=cv2.INTER_CUBIC)
    faces, embeddings = analyzer.detect_and_embed(large, list, first_upsample=0)
    assert calls == [0]
    assert len(faces) == 1 and faces[0].width * 512 / 640 >= FIRST_PASS_MIN_WIDTH
    assert np.array_equal(embeddings[0], analyzer.embed_aligned(large, faces[0]))
    calls.clear()
    reference_faces, reference = analyzer.detect_and_embed(large, list)
    assert calls == [None]
    # The coarser search's box: the same face, its embedding a little moved.
    assert identity_distance(embeddings[0], reference[0]) < 0.15
    assert abs(faces[0].left - reference_faces[0].left) < faces[0].width // 4
    # The 256 px portrait's face is narrower than that: the configured search runs, and
    # its faces and embeddings are exactly those found without the first pass.
    calls.clear()
    small_faces, small = analyzer.detect_and_embed(portrait, list, first_upsample=0)
    assert calls == [0, None]
    expected_faces, expected = analyzer.detect_and_embed(portrait, list)
    assert [(f.left, f.top, f.right, f.bottom) for f in small_faces] == [
        (f.left, f.top, f.right, f.bottom) for f in expected_faces
    ]
    assert len(small) == 1 and np.array_equal(small[0], expected[0])
    # No face: the first pass, then the configured search and its (coarse) retry.
    noise = np.random.default_rng(3).integers(0, 256, (400, 400, 3), dtype=np.uint8)
    calls.clear()
    assert analyzer.detect_and_embed(noise, list, first_upsample=0, coarse_retry=True) == ([], [])
    assert calls == [0, None, 0]
    # Not below the configured upsampling: ignored.
    calls.clear()
    analyzer.detect_and_embed(large, list, first_upsample=1)
    assert calls == [None]
