from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from likeness.capture.qc import QcConfig, QcReport, QcView, to_preview, views_from_synthetic
from likeness.capture.qc import run_qc as _run_qc
from likeness.capture.synthetic import SyntheticCapture
from likeness.imaging.faces import FaceAnalyzer

_ANALYZER = FaceAnalyzer()  # one model load for the whole module


def run_qc(views: list[QcView], rig_dirs: np.ndarray, **kw: object) -> QcReport:
    return _run_qc(views, rig_dirs, analyzer=_ANALYZER, **kw)  # type: ignore[arg-type]


def test_clean_synthetic_session_passes_every_check(person_a: SyntheticCapture) -> None:
    report = run_qc(views_from_synthetic(person_a), person_a.light_dirs)
    assert report.passed, report.to_dict()
    assert {c.code for c in report.checks} == {
        "lights.complete",
        "lights.coverage",
        "lights.dead",
        "exposure.clipping",
        "exposure.level",
        "face.frontal",
        "identity.consistent",
        "sharpness",
    }
    assert report.images == 3 * (16 + 1)
    assert report.identity is not None and report.identity.count >= 3
    assert set(report.thumbnails) == {"view0", "view1", "view2"}
    # The verdict names the models behind it: all usable commercially, none opted in.
    assert [m["name"] for m in report.to_dict()["models"]] == [
        "dlib-hog-frontal-face",
        "dlib-shape-predictor-5",
        "dlib-resnet-face-v1",
    ]
    assert all(m["commercial_use"] and not m["opted_in"] for m in report.models)
    assert report.opted_in_models == []
    assert report.dead_lights == {} and report.to_dict()["dead_lights"] == {}


def test_session_mixing_two_people_fails_identity(
    person_a: SyntheticCapture, person_b: SyntheticCapture
) -> None:
    a, b = views_from_synthetic(person_a), views_from_synthetic(person_b)
    report = run_qc([a[0], a[1], b[2]], person_a.light_dirs)
    check = report.check("identity.consistent")
    assert not check.passed
    assert "view2" in check.detail and "view0" not in check.detail
    assert not report.passed


def test_session_with_a_missing_light_fails(person_a: SyntheticCapture) -> None:
    views = views_from_synthetic(person_a)
    frames = person_a.views[1].olat
    short = dataclasses.replace(
        views[1], light_dirs=views[1].light_dirs[1:], frames=lambda: iter(frames[1:])
    )
    report = run_qc([views[0], short, views[2]], person_a.light_dirs)
    assert not report.check("lights.complete").passed
    assert report.check("lights.complete").detail == "missing: view1 light 0"


def test_sparse_rig_fails_coverage(person_a: SyntheticCapture) -> None:
    views = views_from_synthetic(person_a)
    upper_only = person_a.light_dirs[person_a.light_dirs[:, 1] > 0]
    report = run_qc(views[1:2], upper_only, config=QcConfig())
    assert not report.check("lights.coverage").passed


def test_reference_photo_of_someone_else_fails(
    person_a: SyntheticCapture, person_b: SyntheticCapture
) -> None:
    fa = _ANALYZER
    own = fa.embed(to_preview(person_a.views[1].full, person_a.views[1].alpha))
    other = fa.embed(to_preview(person_b.views[1].full, person_b.views[1].alpha))
    views = views_from_synthetic(person_a)[1:2]
    assert run_qc(views, person_a.light_dirs, reference=own).check("identity.reference").passed
    assert (
        not run_qc(views, person_a.light_dirs, reference=other).check("identity.reference").passed
    )


def test_blurred_and_clipped_frames_are_caught(person_a: SyntheticCapture) -> None:
    view = person_a.views[1]
    base = views_from_synthetic(person_a)[1]
    blurred_full = cv2.GaussianBlur(view.full, (0, 0), 3)
    blurred = dataclasses.replace(base, full=lambda: blurred_full)
    report = run_qc([blurred], person_a.light_dirs)
    assert not report.check("sharpness").passed
    hot = view.olat.copy()
    hot[3] = np.clip(hot[3] * 50.0, 0.0, 1.0)
    clipped = dataclasses.replace(base, frames=lambda: iter(hot))
    check = run_qc([clipped], person_a.light_dirs).check("exposure.clipping")
    assert not check.passed and "view1 light 3" in check.detail


def test_session_without_frontal_view_fails(person_a: SyntheticCapture) -> None:
    views = views_from_synthetic(person_a)
    report = run_qc([views[0], views[2]], person_a.light_dirs)
    assert report.check("face.frontal").detail == "no frontal view in the session"


def test_a_dead_or_misfired_light_is_flagged_for_renders_to_ignore(
    person_a: SyntheticCapture,
) -> None:
    base = views_from_synthetic(person_a)[1]
    frames = person_a.views[1].olat.copy()
    lit = frames.reshape(len(frames), -1).mean(axis=1)
    bright = int(np.argmax(lit))  # a light that should light the face well
    frames[bright] *= 0.02  # the strobe barely fired
    report = run_qc([dataclasses.replace(base, frames=lambda: iter(frames))], person_a.light_dirs)
    check = report.check("lights.dead")
    assert check.passed, "one dead light of 16 is ignored, not a failed session"
    assert report.dead_lights == {"view1": [bright]}
    assert f"view1 light {bright}" in check.detail and check.value == 1.0


def test_a_rig_that_misfires_often_fails_qc(person_a: SyntheticCapture) -> None:
    base = views_from_synthetic(person_a)[1]
    frames = person_a.views[1].olat.copy()
    lit = frames.reshape(len(frames), -1).mean(axis=1)
    dead = sorted(int(i) for i in np.argsort(-lit)[[0, 2, 4]])  # three bright lights
    frames[dead] = 0.0
    report = run_qc([dataclasses.replace(base, frames=lambda: iter(frames))], person_a.light_dirs)
    check = report.check("lights.dead")
    assert not check.passed and "view1 (3 of 16)" in check.detail
    assert report.dead_lights == {"view1": dead}
