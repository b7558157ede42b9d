"""The composite engine: its invariants (garment colour, face, determinism) and refusals."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from likeness.capture.synthetic import RigConfig
from likeness.engines import (
    Brief,
    EngineCancelled,
    EngineRefused,
    EngineRequest,
    InputRole,
    Subject,
    Task,
)
from likeness.engines import procedural as pr
from likeness.engines.composite import (
    NEUTRAL,
    CompositeEngine,
    Look,
    compose,
    estimate_plate_light,
    light_weights,
    subject_keypoints,
    synthetic_subject,
)
from likeness.imaging import compose as cp
from likeness.imaging import garment as gm

SMALL = RigConfig(yaws=(0.0,), lights=16, size=160, shadow_resolution=160)
WIDTH, HEIGHT = 216, 270


@pytest.fixture(scope="module")
def subject() -> Subject:
    return synthetic_subject(7, SMALL)


@pytest.fixture(scope="module")
def packshot() -> np.ndarray:
    return pr.garment_packshot(3, "knit", (40, 120, 170), size=256)


def _request(subject: Subject, task: Task, inputs: dict[InputRole, bytes], **options: object):
    brief = Brief(task=task, framing="instagram-portrait", options=options)
    return EngineRequest(brief, subject, inputs, WIDTH, HEIGHT, seed=5)


def test_info_declares_a_deterministic_local_composite() -> None:
    info = CompositeEngine().info
    assert info.tasks == {Task.composite, Task.tryon, Task.scene}
    assert info.deterministic and not info.generative
    assert info.models == () and not info.leaves_machine


def test_garment_colour_survives_under_neutral_light(subject: Subject, packshot) -> None:
    cut = gm.cut_out(packshot)
    made = compose(subject.basis, Look(WIDTH, HEIGHT, garment=cut, light=NEUTRAL))
    shown = made.garment_alpha > 0.99
    assert shown.sum() > 500
    assert made.garment_reference is not None
    out = cp.to_display(made.image)[shown]
    ref = cp.to_display(np.ascontiguousarray(made.garment_reference))[shown]
    assert gm.mean_delta_e(out, ref) <= 3.0
    # And against the packshot itself: the mean colour of the garment as shot and as worn.
    garment = packshot[cut.alpha > 0.99]
    mean_shot = garment.mean(axis=0).round().astype(np.uint8)[None]
    mean_worn = out.mean(axis=0).round().astype(np.uint8)[None]
    assert gm.mean_delta_e(mean_shot, mean_worn) <= 3.0


def test_face_region_is_the_relit_render(subject: Subject, packshot) -> None:
    plate = pr.scene_plate(2, "street", width=WIDTH, height=HEIGHT, azimuth_deg=40.0)
    linear = cp.srgb_decode(plate.astype(np.float32) / 255.0)
    look = Look(
        WIDTH,
        HEIGHT,
        plate=linear,
        garment=gm.cut_out(packshot),
        light=estimate_plate_light(linear),
    )
    made = compose(subject.basis, look)
    x, y, w, h = made.face_box
    assert w > 10 and h > 10
    # The relit render, made again from the basis with the studio renderer's weights alone.
    weights = light_weights(subject.basis, made.light, made.exposure)
    render = np.maximum(subject.basis.views[0].render(weights), 0.0)
    relit = cp.place(render, made.placement, cp.Framing("canvas", WIDTH, HEIGHT))
    out = cp.to_display(made.image)[y : y + h, x : x + w]
    expected = cp.to_display(relit)[y : y + h, x : x + w]
    score = structural_similarity(out, expected, channel_axis=2, data_range=255)
    assert score >= 0.99
    # The face is lit by the plate: it differs from the neutral light's render.
    assert made.light != NEUTRAL


def test_same_request_and_seed_give_the_same_png(subject: Subject, packshot) -> None:
    inputs = {
        InputRole.garment: pr.encode_png(packshot),
        InputRole.plate: pr.encode_png(pr.scene_plate(1, "beach", width=WIDTH, height=HEIGHT)),
    }
    engine = CompositeEngine()
    first = engine.generate(_request(subject, Task.tryon, inputs))
    second = engine.generate(_request(subject, Task.tryon, inputs))
    assert pr.encode_png(first[0].pixels) == pr.encode_png(second[0].pixels)
    assert first[0].pixels.shape == (HEIGHT, WIDTH, 3)
    assert first[0].params["light_source"] == "plate"
    # What the generation feature records about the image is plain JSON.
    assert json.loads(json.dumps(first[0].params)) == first[0].params


def test_plate_light_is_read_from_the_brighter_side() -> None:
    for azimuth in (-40.0, 40.0):
        plate = pr.scene_plate(4, "studio", width=120, height=150, azimuth_deg=azimuth)
        light = estimate_plate_light(cp.srgb_decode(plate.astype(np.float32) / 255.0))
        assert np.sign(light.azimuth_deg) == np.sign(azimuth)
        assert light.elevation_deg > 0


def test_warm_plate_gives_a_warm_key() -> None:
    plate = pr.scene_plate(4, "street", width=120, height=150, warmth=0.8)
    light = estimate_plate_light(cp.srgb_decode(plate.astype(np.float32) / 255.0))
    assert light.color[0] > light.color[2]


def test_subject_keypoints_find_neck_above_shoulders(subject: Subject) -> None:
    matte = subject.reference_matte
    points = subject_keypoints(matte)
    neck_x, neck_y = points["neck"]
    assert points["left_shoulder"][0] < points["left_neck"][0] < neck_x
    assert neck_x < points["right_neck"][0] < points["right_shoulder"][0]
    assert points["head_top"][1] < neck_y <= points["left_shoulder"][1]
    assert matte[round(neck_y) - 2, round(neck_x)] > 0.5  # on the body


def test_subject_keypoints_refuse_a_blob() -> None:
    blob = np.zeros((64, 64), np.float32)
    blob[10:50, 10:50] = 1.0
    with pytest.raises(EngineRefused):
        subject_keypoints(blob)


def test_tryon_needs_a_garment_and_composite_a_plate(subject: Subject) -> None:
    engine = CompositeEngine()
    with pytest.raises(EngineRefused, match="garment"):
        engine.generate(_request(subject, Task.tryon, {}))
    with pytest.raises(EngineRefused, match="plate"):
        engine.generate(_request(subject, Task.composite, {}))
    with pytest.raises(EngineRefused, match="task"):
        engine.generate(_request(subject, Task.pose, {}))


def test_bad_inputs_are_refused(subject: Subject) -> None:
    engine = CompositeEngine()
    with pytest.raises(EngineRefused, match="readable"):
        engine.generate(_request(subject, Task.tryon, {InputRole.garment: b"not an image"}))
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    with pytest.raises(EngineRefused, match="backdrop"):
        engine.generate(_request(subject, Task.tryon, {InputRole.garment: pr.encode_png(noisy)}))
    plate = {InputRole.plate: pr.encode_png(pr.scene_plate(0, "studio", width=64, height=80))}
    with pytest.raises(EngineRefused, match="option"):
        engine.generate(_request(subject, Task.composite, plate, shadow=2))
    wrong = EngineRequest(
        Brief(task=Task.composite, framing="square"), subject, plate, WIDTH, HEIGHT, seed=0
    )
    with pytest.raises(EngineRefused, match="aspect"):
        engine.generate(wrong)


def test_cancelled_job_stops(subject: Subject) -> None:
    plate = {InputRole.plate: pr.encode_png(pr.scene_plate(0, "studio", width=64, height=80))}
    request = EngineRequest(
        Brief(task=Task.scene), subject, plate, WIDTH, HEIGHT, seed=0, progress=lambda f, m: False
    )
    with pytest.raises(EngineCancelled):
        CompositeEngine().generate(request)


def test_count_makes_distinct_framings(subject: Subject) -> None:
    plate = {
        InputRole.plate: pr.encode_png(pr.scene_plate(0, "studio", width=WIDTH, height=HEIGHT))
    }
    request = EngineRequest(
        Brief(task=Task.scene, options={"max_upscale": 4}),
        subject,
        plate,
        WIDTH,
        HEIGHT,
        seed=9,
        count=2,
    )
    images = CompositeEngine().generate(request)
    assert [image.seed for image in images] == [9, 10]
    png = io.BytesIO(pr.encode_png(images[0].pixels))
    assert Image.open(png).size == (WIDTH, HEIGHT)


def test_native_resolution_keeps_every_enlargement_within_the_limit(subject: Subject) -> None:
    # A 160 px bust on a 216 px wide canvas: 1.35×, the arms' cut edges off the canvas.
    inputs = {
        InputRole.garment: pr.encode_png(pr.garment_packshot(0, "blazer", size=320)),
        InputRole.plate: pr.encode_png(pr.scene_plate(0, "street", width=WIDTH, height=HEIGHT)),
    }
    [image] = CompositeEngine().generate(_request(subject, Task.tryon, inputs))
    upscale = image.params["upscale"]
    assert set(upscale) == {"subject", "garment", "plate", "max"}
    assert upscale["max"] <= 1.5
    assert upscale["subject"] >= WIDTH / SMALL.size  # the capture spans the canvas width
    # A smaller packshot than the canvas needs is reported, not hidden.
    inputs[InputRole.garment] = pr.encode_png(pr.garment_packshot(0, "blazer", size=96))
    [small] = CompositeEngine().generate(_request(subject, Task.tryon, inputs))
    assert small.params["upscale"]["garment"] > 1.5


def test_a_face_only_capture_composites_without_a_garment(subject: Subject) -> None:
    import cv2

    from likeness.studio import Basis

    view = subject.basis.views[0]
    height, width = view.shape
    head = np.zeros((height, width), np.float32)
    cv2.ellipse(head, (width // 2, height // 3), (width // 5, height // 4), 0, 0, 360, 1.0, -1)
    images = np.moveaxis(view.planes.reshape(3, -1, height, width), 0, -1)
    floating = Basis.from_arrays(images, view.light_dirs, alpha=head[None])
    plate = {
        InputRole.plate: pr.encode_png(pr.scene_plate(0, "studio", width=WIDTH, height=HEIGHT))
    }
    face_only = Subject("t", 1, floating, subject.reference, head)
    [image] = CompositeEngine().generate(_request(face_only, Task.composite, plate))
    assert image.pixels.shape == (HEIGHT, WIDTH, 3)
    with pytest.raises(EngineRefused, match="neck"):
        CompositeEngine().generate(
            _request(
                face_only, Task.tryon, {InputRole.garment: pr.encode_png(pr.garment_packshot(0))}
            )
        )


def test_hair_thin_lines_in_the_matte_do_not_print_on_the_plate(subject: Subject) -> None:
    """A capture's matte may hold slivers a pixel or two wide beside the neck (the
    synthetic rig's did, from the ears to the shoulders): they must not reach the canvas."""
    import cv2

    from likeness.studio import Basis

    basis = subject.basis
    assert basis.alpha is not None
    height, width = basis.alpha[0].shape
    keypoints = subject_keypoints(basis.alpha[0])
    neck_x, neck_y = keypoints["neck"]
    # A grey one-pixel line beside the neck, from ear height down to just above the
    # shoulders (where it would meet the body, an opening cannot tell it from the edge).
    streaked = basis.alpha.copy()
    x = int(neck_x - 0.3 * width)
    cv2.line(streaked[0], (x, int(neck_y - 0.2 * height)), (x + 3, int(neck_y - 0.03 * height)),
             0.7, 1)  # fmt: skip
    assert float(np.abs(streaked - basis.alpha).max()) > 0.5
    view = basis.views[0]
    images = np.moveaxis(view.planes.reshape(3, -1, height, width), 0, -1)
    look = Look(WIDTH, HEIGHT)
    clean = compose(Basis.from_arrays(images[None], view.light_dirs, alpha=basis.alpha), look)
    lined = compose(Basis.from_arrays(images[None], view.light_dirs, alpha=streaked), look)
    assert float(np.abs(lined.subject_alpha - clean.subject_alpha).max()) < 0.02
    assert float(np.abs(lined.image - clean.image).max()) < 0.02
