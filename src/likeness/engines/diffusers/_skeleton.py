"""Pose skeletons drawn from named keypoints, in the layout OpenPose ControlNets read.

No pose detector runs here (the OpenPose detector's weights are licensed for
non-commercial research only): the keypoints come from the twin's own geometry
(:attr:`likeness.engines.Subject.keypoints`) or from the brief
(:attr:`likeness.engines.Brief.pose_keypoints`), and this module only draws them: the 18
body points of the COCO/OpenPose layout, each limb a filled ellipse in its OpenPose colour
at 60 % on black, each point a filled disc, so any ControlNet trained on OpenPose images
(``lllyasviel/control_v11p_sd15_openpose``, ``thibaud/controlnet-openpose-sdxl-1.0``)
understands it. Pure and deterministic: the same keypoints give the same pixels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from likeness.engines._base import U8

#: The OpenPose body points, in its order, by the names Likeness uses.
BODY_POINTS: tuple[str, ...] = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_eye",
    "left_eye",
    "right_ear",
    "left_ear",
)

#: The limbs OpenPose draws (pairs of indices into :data:`BODY_POINTS`), in its order.
LIMBS: tuple[tuple[int, int], ...] = (
    (1, 2),
    (1, 5),
    (2, 3),
    (3, 4),
    (5, 6),
    (6, 7),
    (1, 8),
    (8, 9),
    (9, 10),
    (1, 11),
    (11, 12),
    (12, 13),
    (1, 0),
    (0, 14),
    (14, 16),
    (0, 15),
    (15, 17),
)

#: OpenPose's colour of each point, and of the limb with the same index (RGB).
COLORS: tuple[tuple[int, int, int], ...] = (
    (255, 0, 0),
    (255, 85, 0),
    (255, 170, 0),
    (255, 255, 0),
    (170, 255, 0),
    (85, 255, 0),
    (0, 255, 0),
    (0, 255, 85),
    (0, 255, 170),
    (0, 255, 255),
    (0, 170, 255),
    (0, 85, 255),
    (0, 0, 255),
    (85, 0, 255),
    (170, 0, 255),
    (255, 0, 255),
    (255, 0, 170),
    (255, 0, 85),
)

#: OpenPose's limb half-width and point radius at 512 px, scaled with the image.
_STICK_AT_512 = 4.0


def body_points(keypoints: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """The OpenPose points among ``keypoints`` (others, such as ``chin``, are left out);
    a missing ``neck`` is the midpoint of the shoulders, as OpenPose defines it."""
    points = {
        name: (float(keypoints[name][0]), float(keypoints[name][1]))
        for name in BODY_POINTS
        if name in keypoints
    }
    if "neck" not in points and {"left_shoulder", "right_shoulder"} <= points.keys():
        (lx, ly), (rx, ry) = points["left_shoulder"], points["right_shoulder"]
        points["neck"] = ((lx + rx) / 2, (ly + ry) / 2)
    return {k: v for k, v in points.items() if all(math.isfinite(c) for c in v)}


def draw_skeleton(keypoints: Mapping[str, tuple[float, float]], width: int, height: int) -> U8:
    """An OpenPose-style skeleton of ``keypoints`` (x, y in pixels) on a black
    ``height`` × ``width`` RGB image. Points outside the image are clipped by the drawing;
    limbs are drawn only where both ends are known."""
    import cv2

    if width < 1 or height < 1:
        raise ValueError(f"a skeleton image needs a positive size, not {width}×{height}")
    canvas = np.zeros((height, width, 3), np.uint8)
    points = body_points(keypoints)
    stick = max(1, round(_STICK_AT_512 * max(width, height) / 512))
    for index, (a, b) in enumerate(LIMBS):
        name_a, name_b = BODY_POINTS[a], BODY_POINTS[b]
        if name_a not in points or name_b not in points:
            continue
        (xa, ya), (xb, yb) = points[name_a], points[name_b]
        length = math.hypot(xb - xa, yb - ya)
        angle = math.degrees(math.atan2(yb - ya, xb - xa))
        centre = (round((xa + xb) / 2), round((ya + yb) / 2))
        polygon = np.asarray(
            cv2.ellipse2Poly(centre, (round(length / 2), stick), round(angle), 0, 360, 1),
            np.int32,
        )
        color = [int(c * 0.6) for c in COLORS[index]]
        cv2.fillConvexPoly(canvas, polygon, color)
    for index, name in enumerate(BODY_POINTS):
        if name in points:
            x, y = points[name]
            cv2.circle(canvas, (round(x), round(y)), stick, COLORS[index], thickness=-1)
    return canvas


def cover(
    source: tuple[int, int], target: tuple[int, int]
) -> tuple[float, tuple[int, int], tuple[int, int]]:
    """How to fill ``target`` (width, height) with ``source`` (width, height) without
    distortion: the scale, the scaled size, and the crop offset (x, y) into it."""
    (sw, sh), (tw, th) = source, target
    scale = max(tw / sw, th / sh)
    scaled = (max(tw, math.ceil(sw * scale - 1e-6)), max(th, math.ceil(sh * scale - 1e-6)))
    return scale, scaled, ((scaled[0] - tw) // 2, (scaled[1] - th) // 2)


def fit_image(image: U8, width: int, height: int) -> U8:
    """``image`` scaled to cover ``width`` × ``height`` and centre-cropped to it."""
    import cv2

    h, w = image.shape[:2]
    _, (sw, sh), (ox, oy) = cover((w, h), (width, height))
    shrinking = sw < w
    resized = cv2.resize(
        image, (sw, sh), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    )
    return np.ascontiguousarray(resized[oy : oy + height, ox : ox + width], dtype=np.uint8)


def fit_keypoints(
    keypoints: Mapping[str, tuple[float, float]],
    source: tuple[int, int],
    width: int,
    height: int,
) -> dict[str, tuple[float, float]]:
    """``keypoints`` in ``source`` (width, height) pixels moved the way :func:`fit_image`
    moves the image to ``width`` × ``height``."""
    _, (sw, sh), (ox, oy) = cover(source, (width, height))
    sx, sy = sw / source[0], sh / source[1]
    return {name: (x * sx - ox, y * sy - oy) for name, (x, y) in keypoints.items()}
