"""The composite itself: relight, place, dress, shadow, blend (pure arrays)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.engines._base import EngineRefused
from likeness.engines.composite._keypoints import Point, subject_keypoints
from likeness.engines.composite._light import NEUTRAL, PlateLight, light_vector, light_weights
from likeness.imaging import compose as cp
from likeness.imaging import garment as gm
from likeness.studio import Basis

F32 = NDArray[np.float32]
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)

#: Linear luminance the face's median is exposed to under the neutral light.
FACE_EXPOSURE = 0.34
#: The face's centre sits this far down the canvas when the upscale limit allows it.
FACE_LINE = 0.40
#: Garment ease: how much wider than the body it is fitted (shoulders, sides).
EASE = 0.04
#: Chest width as a share of the shoulder breadth (biacromial), for fitting a garment.
CHEST_SHARE = 0.83


@dataclass(frozen=True)
class Look:
    """What to put on the subject and where: all optional but the canvas size."""

    width: int
    height: int
    plate: F32 | None = None  # linear RGB background plate, any size (covered)
    garment: gm.Cutout | None = None
    light: PlateLight | None = None  # None: estimated from the plate (neutral without one)
    shadow: float | None = None  # drop shadow opacity; None: from the light
    light_wrap: float = 0.1
    max_upscale: float = 1.5
    #: Horizontal offset of the subject, as a share of the canvas width (0 = centred).
    offset: float = 0.0
    face_line: float = FACE_LINE


@dataclass(frozen=True)
class Composite:
    """The result and what it was made of (for checks, tests and the output's record)."""

    image: F32  # linear RGB [H, W, 3]
    relit: F32  # the relit subject alone, placed on the canvas (no garment, no background)
    subject_alpha: F32
    garment_alpha: F32
    garment_reference: F32 | None  # the packshot's own pixels warped to the canvas (linear)
    face_box: tuple[int, int, int, int]  # x, y, width, height on the canvas
    light: PlateLight
    scale: float
    #: Source → canvas placement of the subject and the gain its render was exposed with:
    #: with ``light`` they reproduce ``relit`` from the basis alone.
    placement: cp.Placement
    exposure: float
    upscale: dict[str, float] = field(default_factory=dict)
    keypoints: dict[str, Point] = field(default_factory=dict)


def _frontal(basis: Basis) -> int:
    return int(np.argmin([abs(yaw) for yaw in basis.view_yaws_deg]))


def _matte(basis: Basis, view: int, fallback: F32 | None) -> F32:
    """The subject's matte: the basis's own, else the caller's (same grid), else keyed
    against the basis's clean plate (all lights on, as the studio renderer does); each
    cleaned of slivers (:func:`_without_slivers`)."""
    if basis.alpha is not None:
        return _without_slivers(basis.alpha[view])
    shape = basis.views[view].shape
    if fallback is not None and fallback.shape == shape:
        return _without_slivers(fallback)
    if basis.plate is not None:
        count = basis.light_dirs.shape[0]
        everything = basis.views[view].render(np.full((count, 3), 1.0 / count, np.float32))
        return _without_slivers(cp.matte_from_plate(everything, basis.plate[view]))
    raise EngineRefused("the subject has no matte: the composite needs one to cut it out")


def _without_slivers(alpha: F32) -> F32:
    """The matte less anything a few pixels thin (an opening, about 1/150 of the image):
    a capture's matte can hold hair-thin lines (geometry seen edge-on, a stray strand)
    that the plate would show as dark lines beside the neck. The body's own edges, soft
    or concave, stay as they were."""
    side = max(3, 2 * round(min(alpha.shape) / 300) + 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    opened: F32 = np.asarray(
        cv2.morphologyEx(alpha.astype(np.float32), cv2.MORPH_OPEN, kernel), np.float32
    )
    return opened


def _face_box(neutral: F32, matte: F32) -> cp.FaceBox:
    """The face: OpenCV's cascade on a reduced neutral render, else the matte's top."""
    height, width = matte.shape
    factor = max(1.0, max(height, width) / 320.0)
    size = (max(16, round(width / factor)), max(16, round(height / factor)))
    reduced = np.asarray(cv2.resize(neutral, size), dtype=np.float32)
    grey = cv2.cvtColor(cp.to_display(reduced), cv2.COLOR_RGB2GRAY)
    found = cp.detect_face(np.ascontiguousarray(grey, dtype=np.uint8))
    if found is not None:
        return cp.FaceBox(
            found.x * width / size[0],
            found.y * height / size[1],
            found.width * width / size[0],
            found.height * height / size[1],
        )
    # The matte's top is head and hair: keep its middle (the face proper).
    box = cp.face_from_alpha(matte)
    return cp.FaceBox(
        box.x + 0.2 * box.width, box.y + 0.35 * box.height, 0.6 * box.width, 0.55 * box.height
    )


def _exposure(probe: F32, matte: F32, face: cp.FaceBox) -> float:
    """The gain that puts the face's median luminance, under the neutral light at unit
    intensity (``probe``), at :data:`FACE_EXPOSURE`."""
    x0, y0 = int(face.x), int(face.y)
    region = probe[y0 : y0 + int(face.height), x0 : x0 + int(face.width)]
    weights = matte[y0 : y0 + int(face.height), x0 : x0 + int(face.width)] > 0.5
    luma = region[weights] @ _LUMA if weights.any() else probe[matte > 0.5] @ _LUMA
    median = float(np.median(luma)) if luma.size else 0.0
    if median <= 1e-6:
        raise EngineRefused("the subject renders black under the neutral light")
    return FACE_EXPOSURE / median


def _placement(matte: F32, neck: Point, face: cp.FaceBox, look: Look) -> tuple[cp.Placement, float]:
    """Bust framing at native resolution: the body's cut edges (bottom, and the sides when
    the capture cuts the arms) fall off the canvas; the face rises to the face line as far
    as ``max_upscale`` allows, else the scene shows above the head."""
    height, width = matte.shape
    canvas_w, canvas_h = look.width, look.height
    mask = matte > 0.5
    cut_bottom = int(np.count_nonzero(mask[-1])) >= max(3, 0.02 * width)
    cut_sides = bool(mask[:, 0].any() or mask[:, -1].any())
    centre_x = neck[0]
    _, face_cy = face.centre
    if not cut_bottom:
        framing = cp.Framing("canvas", canvas_w, canvas_h)
        plain = cp.face_placement(face, framing, face_line=look.face_line)
        return plain, plain.scale
    shift = look.offset * canvas_w
    needed = 0.0
    if cut_sides:
        # Move across only as far as the cut arms stay off the canvas at max_upscale.
        room = max(0.0, look.max_upscale * min(centre_x, width - centre_x) - canvas_w / 2)
        shift = float(np.clip(shift, -room, room))
        # Both side edges of the capture must land outside the canvas.
        half = canvas_w / 2
        needed = max(
            (half + abs(shift)) / max(centre_x, 1.0),
            (half + abs(shift)) / max(width - centre_x, 1.0),
        )
    wanted = (1 - look.face_line) * canvas_h / max(height - face_cy, 1.0)
    if cut_sides:
        # The widest view the cut arms allow: the subject as part of the scene.
        wanted = min(wanted, needed * 1.02)
    scale = max(needed, min(wanted, look.max_upscale))
    tx = canvas_w / 2 + shift - scale * centre_x
    ty = canvas_h + 0.5 + max(0.0, scale - 1.0) - scale * height
    return cp.Placement(scale, tx, ty), scale


def _ratio(scene: F32, neutral: F32, matte: F32) -> F32:
    """How much brighter the scene light makes the body than the neutral light: the
    luminance ratio smoothed to the body's broad form (so the twin's own clothes and skin
    do not print through), times the light's mean colour over the body; extended beyond
    the matte so a garment wider than the body takes the light of the nearest body. Under
    the neutral light it is exactly 1."""
    full_h, full_w = matte.shape
    # The ratio is smooth by design: work at an eighth of the size.
    factor = max(1, max(full_h, full_w) // 128)
    small = (max(8, full_w // factor), max(8, full_h // factor))
    scene = np.asarray(cv2.resize(scene, small, interpolation=cv2.INTER_AREA), np.float32)
    neutral = np.asarray(cv2.resize(neutral, small, interpolation=cv2.INTER_AREA), np.float32)
    matte = np.asarray(cv2.resize(matte, small, interpolation=cv2.INTER_AREA), np.float32)
    height, width = matte.shape
    sigma = max(1.0, 0.07 * max(height, width))
    body = (matte > 0.5).astype(np.float32)
    scene_luma = (scene @ _LUMA) * body
    neutral_luma = (neutral @ _LUMA) * body
    den = cv2.GaussianBlur(neutral_luma, (0, 0), sigma)
    num = cv2.GaussianBlur(scene_luma, (0, 0), sigma)
    cover = cv2.GaussianBlur(body, (0, 0), sigma)
    known = cover > 0.02
    luma = np.where(known, num / np.maximum(den, 1e-6), 0.0)
    mean_luma = float(luma[known].mean()) if known.any() else 1.0
    luma = np.where(known, luma, mean_luma)
    # Far from the body: spread the edge values outwards.
    spread = cv2.GaussianBlur(luma * cover, (0, 0), 3 * sigma)
    weight = cv2.GaussianBlur(cover, (0, 0), 3 * sigma)
    far = np.where(weight > 1e-3, spread / np.maximum(weight, 1e-3), mean_luma)
    luma = np.where(cover > 0.3, luma, far)
    mask = body > 0
    if mask.any():
        scene_mean = scene[mask].astype(np.float64).mean(axis=0)
        neutral_mean = neutral[mask].astype(np.float64).mean(axis=0)
        chroma = scene_mean / np.maximum(neutral_mean, 1e-9)
        chroma = chroma / max(float(chroma @ _LUMA), 1e-9)
    else:
        chroma = np.ones(3)
    out = (np.clip(luma, 0.05, 4.0)[..., None] * chroma.astype(np.float32)).astype(np.float32)
    full: F32 = cv2.resize(out, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
    return full


def _to_canvas(point: Point, placement: cp.Placement) -> Point:
    return placement.apply(*point)


def _garment_pairs(
    cut: gm.Cutout, body: dict[str, Point], matte: F32, placement: cp.Placement
) -> dict[str, tuple[Point, Point]]:
    """Packshot point → canvas point for the spline.

    The garment keeps its packshot proportions (one scale, from the shoulder breadth plus
    ease), hung from the collar: its collar corners sit a little up the neck's sides, its
    front neckline is pulled up to the base of the neck (a flat-lay's neckline is deeper
    than a worn one; pulling it up compresses, never enlarges), its shoulders and sides
    take the body's width where the capture shows it, and everything else follows the
    garment's own shape.
    """
    points = gm.garment_keypoints(cut.alpha)
    s = placement.scale
    neck = _to_canvas(body["neck"], placement)
    left_neck = _to_canvas(body["left_neck"], placement)
    right_neck = _to_canvas(body["right_neck"], placement)
    left_sh = _to_canvas(body["left_shoulder"], placement)
    right_sh = _to_canvas(body["right_shoulder"], placement)
    neck_w = right_neck[0] - left_neck[0]
    breadth = right_sh[0] - left_sh[0]
    # Scale from the chest: a garment's body is about as wide as the wearer's chest, some
    # 0.83 of the shoulder breadth (shoulders of sleeveless cuts sit inside the body's).
    g_chest = points["right_side"][0] - points["left_side"][0]
    fit = (1 + EASE) * CHEST_SHARE * breadth / max(g_chest, 1.0)
    g_collar_y = (points["left_collar"][1] + points["right_collar"][1]) / 2
    g_centre = points["neck"][0]
    collar_y = neck[1] - 0.12 * neck_w
    centre_x = neck[0]

    def hung(point: Point) -> Point:
        """Where the packshot point goes when the garment just hangs from its collar."""
        return (centre_x + fit * (point[0] - g_centre), collar_y + fit * (point[1] - g_collar_y))

    neck_y = min(hung(points["neck"])[1], neck[1] + 0.03 * neck_w)
    pairs: dict[str, tuple[Point, Point]] = {
        "neck": (points["neck"], (centre_x, neck_y)),
        "left_collar": (points["left_collar"], hung(points["left_collar"])),
        "right_collar": (points["right_collar"], hung(points["right_collar"])),
    }
    for name in ("left_shoulder", "right_shoulder"):
        pairs[name] = (points[name], hung(points[name]))
    hem = points["hem"]
    pairs["hem"] = (hem, hung(hem))
    # The garment's sides take the body's width where the capture shows the body's outline
    # (not cut by the picture's edge); heights stay the garment's own.
    edge = matte.shape[1] - 1
    pad = EASE * breadth / 2
    for share in (0.3, 0.55):
        gy = points["left_shoulder"][1] + share * (hem[1] - points["left_shoulder"][1])
        _, cy = hung((g_centre, gy))
        sy = (cy - placement.ty) / s
        g_span = gm.side_extent(cut.alpha, gy)
        if not 0 <= sy < matte.shape[0] - 1 or g_span is None:
            continue
        b_span = gm.side_extent(matte, sy)
        if b_span is None:
            continue
        if b_span[0] > 0:
            pairs[f"left_side_{share}"] = (
                (g_span[0], gy),
                (s * b_span[0] + placement.tx - pad, cy),
            )
        if b_span[1] < edge:
            pairs[f"right_side_{share}"] = (
                (g_span[1], gy),
                (s * b_span[1] + placement.tx + pad, cy),
            )
    # Far anchors: the packshot's lower corners just hang (keeps the spline calm below).
    rows = np.flatnonzero((cut.alpha > 0.5).any(axis=1))
    cols = np.flatnonzero((cut.alpha > 0.5).any(axis=0))
    for name, corner in (
        ("low_left", (float(cols[0]), float(rows[-1]))),
        ("low_right", (float(cols[-1]), float(rows[-1]))),
    ):
        pairs[name] = (corner, hung(corner))
    return pairs


def _backdrop(width: int, height: int) -> F32:
    """A plain studio sweep for a look without a plate: light grey, darker to the floor."""
    rows = np.linspace(0.30, 0.20, height, dtype=np.float32)[:, None, None]
    cols = 1.0 - 0.10 * np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :, None] ** 2
    tone = np.asarray([1.0, 0.98, 0.95], np.float32)
    out: F32 = np.ascontiguousarray(np.broadcast_to(rows * cols * tone, (height, width, 3)))
    return out


#: How much a garment darkens where it turns away at the body's outline, and over what
#: share of the canvas width (cloth on a round shoulder or arm).
FORM_SHADE = 0.16
FORM_WIDTH = 0.035


def _form(body: F32) -> F32:
    """Cloth turning away from the camera at the silhouette: a soft roll-off to the
    body's outline (the canvas edges, where the bust is cut, are not an outline)."""
    width = body.shape[1]
    inside = np.pad((body > 0.5).astype(np.uint8), 1, mode="edge")
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 3)[1:-1, 1:-1]
    reach = max(1.0, FORM_WIDTH * width)
    turn = np.sqrt(np.clip(distance / reach, 0.0, 1.0))
    out: F32 = (1.0 - FORM_SHADE + FORM_SHADE * turn).astype(np.float32)
    return out


def _face_mask(box: tuple[int, int, int, int], shape: tuple[int, int]) -> F32:
    x, y, w, h = box
    mask = np.zeros(shape, np.float32)
    cv2.ellipse(
        mask,
        (round(x + w / 2), round(y + h / 2)),
        (round(0.62 * w) + 2, round(0.62 * h) + 2),
        0,
        0,
        360,
        1.0,
        -1,
    )
    return mask


def compose(basis: Basis, look: Look, matte_fallback: F32 | None = None) -> Composite:
    """Relight the frontal view for the look's light, dress it, place it on the plate."""
    view = _frontal(basis)
    matte = _matte(basis, view, matte_fallback)
    neutral_probe = basis.views[view].render(light_weights(basis, NEUTRAL, 1.0))
    face = _face_box(neutral_probe, matte)
    exposure = _exposure(neutral_probe, matte, face)
    light = look.light or NEUTRAL
    scene = np.maximum(basis.views[view].render(light_weights(basis, light, exposure)), 0.0)
    box = (face.x, face.y, face.width, face.height)
    if look.garment is not None:
        body = subject_keypoints(matte, box)
    else:
        # Without a garment the body's points only centre the frame: a head without a
        # neck (a face-only capture) is centred on its face.
        try:
            body = subject_keypoints(matte, box)
        except EngineRefused:
            body = {"neck": face.centre}
    placement, scale = _placement(matte, body["neck"], face, look)
    framing = cp.Framing("canvas", look.width, look.height)
    relit = cp.place(scene, placement, framing)
    alpha = np.clip(cp.place(matte, placement, framing), 0.0, 1.0)
    fx, fy = placement.apply(face.x, face.y)
    face_box = (
        max(0, int(fx)),
        max(0, int(fy)),
        min(look.width, int(face.width * scale)),
        min(look.height, int(face.height * scale)),
    )
    fg = relit.copy()
    garment_alpha = np.zeros_like(alpha)
    reference = None
    upscale = {"subject": round(scale, 4)}
    if look.garment is not None:
        neutral = np.maximum(exposure * neutral_probe, 0.0)
        ratio = cp.place(_ratio(scene, neutral, matte), placement, framing)
        pairs = _garment_pairs(look.garment, body, matte, placement)
        cut = look.garment
        gx, gy, gw, gh = cut.box
        x0, y0 = max(0, gx - 4), max(0, gy - 4)
        x1, y1 = gx + gw + 4, gy + gh + 4
        pixels = cp.srgb_decode(cut.rgb[y0:y1, x0:x1].astype(np.float32) / 255.0)
        shifted = {name: ((src[0] - x0, src[1] - y0), dst) for name, (src, dst) in pairs.items()}
        warped = gm.warp_garment(
            pixels,
            np.ascontiguousarray(cut.alpha[y0:y1, x0:x1]),
            shifted,
            (look.width, look.height),
        )
        reference = warped.pixels
        garment_alpha = warped.alpha
        # The garment dresses the twin's own silhouette (a bust: shoulders and arms to the
        # cut), so its outline is the body's, never a flat shape over the background; the
        # face stays the relit render: a garment never covers it.
        # Thin strands (hair, an earring's chain) stay in front: the garment only fills the
        # body's broad shape.
        side = max(3, round(0.006 * look.height)) | 1
        body_shape = np.asarray(
            cv2.morphologyEx(alpha, cv2.MORPH_OPEN, np.ones((side, side), np.uint8)), np.float32
        )
        garment_alpha = np.minimum(garment_alpha, body_shape) * (
            1.0 - _face_mask(face_box, alpha.shape)
        )
        # Outside the body's reach the ratio is the filled one; it is 1 under neutral light.
        shade = np.where(ratio > 0, ratio, 1.0) * _form(body_shape)[..., None]
        lit_garment = warped.pixels * shade
        # The foreground is straight (not premultiplied): where the garment covers the
        # body, it covers it wholly, also in the body's anti-aliased edge pixels (else the
        # twin's own clothes would show as a rim round the garment).
        covers = np.where(alpha > 0.02, garment_alpha / np.maximum(alpha, 1e-3), 0.0)
        ga = np.clip(covers, 0.0, 1.0)[..., None]
        fg = fg * (1.0 - ga) + lit_garment * ga
        upscale["garment"] = round(warped.upscale, 4)
    if look.plate is not None:
        background = cp.cover(look.plate, framing)
        plate_h, plate_w = look.plate.shape[:2]
        upscale["plate"] = round(max(look.width / plate_w, look.height / plate_h), 4)
    else:
        background = _backdrop(look.width, look.height)
    lx, ly = light_vector(light)
    opacity = look.shadow if look.shadow is not None else 0.45 * light.key_share
    shadow = cp.CompositeConfig(
        light_wrap=0.0,
        color_match=0.0,
        shadow_opacity=float(np.clip(opacity, 0.0, 1.0)),
        shadow_offset=(0.01 + 0.02 * max(ly, 0.0), -0.035 * lx),
        shadow_blur=0.02,
    )
    backdrop = cp.drop_shadow(background, alpha, shadow)
    # A contact shadow: the background right around the body darkens a little.
    contact = cp.CompositeConfig(
        shadow_opacity=float(np.clip(0.5 * opacity, 0.0, 1.0)),
        shadow_offset=(0.0, 0.0),
        shadow_blur=0.006,
    )
    backdrop = cp.drop_shadow(backdrop, alpha, contact)
    fg = np.ascontiguousarray(fg, dtype=np.float32)
    plain = cp.composite(fg, alpha, backdrop, cp.CompositeConfig(light_wrap=0, color_match=0))
    image = plain
    if look.light_wrap > 0:
        wrapped = cp.composite(
            fg, alpha, backdrop, cp.CompositeConfig(light_wrap=look.light_wrap, color_match=0)
        )
        keep = _face_mask(face_box, alpha.shape)[..., None]
        image = (wrapped * (1.0 - keep) + plain * keep).astype(np.float32)
    upscale["max"] = max(upscale.values())
    canvas_body = {name: placement.apply(*point) for name, point in body.items()}
    return Composite(
        image=image,
        relit=relit,
        subject_alpha=np.clip(cp.place(matte, placement, framing), 0.0, 1.0),
        garment_alpha=garment_alpha,
        garment_reference=reference,
        face_box=face_box,
        light=light,
        scale=scale,
        placement=placement,
        exposure=exposure,
        upscale=upscale,
        keypoints=canvas_body,
    )
