"""The pose skeleton the diffusers engine draws from keypoints (no detector)."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.engines import Brief, InputRole, Subject, Task
from likeness.engines.diffusers import (
    BODY_POINTS,
    LIMBS,
    body_points,
    draw_skeleton,
    fit_image,
    fit_keypoints,
    pose_image,
)
from likeness.engines.diffusers._skeleton import COLORS

POSE = {
    "nose": (64.0, 30.0),
    "left_eye": (70.0, 24.0),
    "right_eye": (58.0, 24.0),
    "chin": (64.0, 44.0),
    "left_shoulder": (96.0, 60.0),
    "right_shoulder": (32.0, 60.0),
    "left_elbow": (104.0, 96.0),
}


def test_each_point_is_drawn_in_its_openpose_colour() -> None:
    image = draw_skeleton(POSE, 128, 160)
    assert image.shape == (160, 128, 3) and image.dtype == np.uint8
    for name in ("nose", "left_shoulder", "right_shoulder", "left_elbow", "left_eye"):
        x, y = POSE[name]
        assert tuple(image[int(y), int(x)]) == COLORS[BODY_POINTS.index(name)], name


def test_limbs_join_known_points_at_sixty_percent() -> None:
    image = draw_skeleton(POSE, 128, 160)
    # The neck is the shoulders' midpoint; the limb neck → left shoulder is limb 1.
    neck = body_points(POSE)["neck"]
    assert neck == (64.0, 60.0)
    mid = (round((neck[0] + 96) / 2), round((neck[1] + 60) / 2))
    limb = LIMBS.index((1, 5))
    assert tuple(image[mid[1], mid[0]]) == tuple(int(c * 0.6) for c in COLORS[limb])
    # Left elbow → left wrist is not drawn: the wrist is unknown.
    wrist_limb = np.array([int(c * 0.6) for c in COLORS[LIMBS.index((6, 7))]], np.uint8)
    assert not (image == wrist_limb).all(axis=2).any()
    elbow_limb = np.array([int(c * 0.6) for c in COLORS[LIMBS.index((5, 6))]], np.uint8)
    assert (image == elbow_limb).all(axis=2).any()


def test_the_chin_is_not_an_openpose_point_and_nothing_is_drawn_without_points() -> None:
    assert "chin" not in body_points(POSE)
    assert not draw_skeleton({"chin": (5.0, 5.0)}, 32, 32).any()
    assert not draw_skeleton({}, 32, 32).any()
    with pytest.raises(ValueError, match="positive size"):
        draw_skeleton(POSE, 0, 32)


def test_the_drawing_is_deterministic_and_moves_with_the_points() -> None:
    a = draw_skeleton(POSE, 128, 160)
    assert draw_skeleton(dict(POSE), 128, 160).tobytes() == a.tobytes()
    raised = {**POSE, "left_elbow": (110.0, 30.0)}
    assert not np.array_equal(draw_skeleton(raised, 128, 160), a)


def test_keypoints_follow_the_image_when_it_is_fitted() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:44, 118:122] = 255  # a dot at (120, 42)
    fitted = fit_image(image, 64, 64)  # scaled by 0.64, then cropped in x
    assert fitted.shape == (64, 64, 3)
    (x, y) = fit_keypoints({"dot": (120.0, 42.0)}, (200, 100), 64, 64)["dot"]
    ys, xs = np.nonzero(fitted.max(axis=2) > 64)
    assert abs(xs.mean() - x) < 1.5 and abs(ys.mean() - y) < 1.5


def _subject() -> Subject:
    return Subject(
        "t", 1, None, np.zeros((256, 128, 3), np.uint8), np.ones((256, 128), np.float32), POSE
    )


def test_the_pose_image_comes_from_the_brief_or_else_the_twin() -> None:
    from_twin = pose_image(Brief(task=Task.pose), _subject(), {}, 64, 128)
    # The twin's keypoints are in reference pixels: fitted like the reference (scale 0.5).
    assert (
        from_twin.tobytes()
        == draw_skeleton(fit_keypoints(POSE, (128, 256), 64, 128), 64, 128).tobytes()
    )
    brief = Brief(task=Task.pose, pose_keypoints={"neck": (10.0, 10.0), "nose": (10.0, 2.0)})
    from_brief = pose_image(brief, _subject(), {}, 64, 128)
    assert from_brief.tobytes() == draw_skeleton(brief.pose_keypoints or {}, 64, 128).tobytes()
    import cv2

    _, png = cv2.imencode(".png", np.full((8, 8, 3), 200, np.uint8))
    given = pose_image(brief, _subject(), {InputRole.pose: png.tobytes()}, 64, 128)
    assert given.shape == (128, 64, 3) and (given == 200).all()
