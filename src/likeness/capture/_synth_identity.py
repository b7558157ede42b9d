"""Identity parameters of a synthetic person, drawn from a seed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Linear-light albedos. Skin spans a light and a deep tone; real skin reflectance sits
# roughly in this range (red highest, blue lowest).
_SKIN_LIGHT = np.array([0.62, 0.42, 0.33])
_SKIN_DEEP = np.array([0.16, 0.085, 0.055])

EYE_COLORS: dict[str, tuple[float, float, float]] = {
    "dark brown": (0.09, 0.045, 0.02),
    "brown": (0.2, 0.09, 0.035),
    "hazel": (0.25, 0.18, 0.06),
    "green": (0.1, 0.2, 0.09),
    "blue": (0.09, 0.18, 0.38),
    "grey": (0.22, 0.25, 0.28),
}

HAIR_COLORS: dict[str, tuple[float, float, float]] = {
    "black": (0.018, 0.014, 0.012),
    "dark brown": (0.05, 0.03, 0.018),
    "brown": (0.12, 0.065, 0.035),
    "auburn": (0.22, 0.07, 0.03),
    "blond": (0.45, 0.32, 0.17),
    "grey": (0.35, 0.34, 0.33),
}

HAIR_STYLES = ("short", "medium", "long")

# The traits that move dlib's identity embedding most (measured one at a time, each
# alone worth 0.2-0.5 of embedding distance across its range), drawn first.
_TRAITS: dict[str, tuple[float, float]] = {
    "nose_length": (3.0, 5.6),
    "head_width": (6.3, 8.5),
    "eye_spacing": (2.6, 3.8),
    "mouth_height": (5.6, 8.0),
    "brow_raise": (1.1, 2.6),
    "brow_thickness": (0.15, 0.9),
    "eye_width": (1.0, 1.8),
    "skin_tone": (0.0, 1.0),
}


_CAST_TAG = 0xCA57
#: Candidate draws of the casting pool (:meth:`SyntheticIdentity.cast_candidate`), in
#: seed order, picked by ``bench/pick_cast.py`` (decision 0007; re-picked for dlib's
#: 5-point alignment and the 0.45 threshold, decision 0010): embedded frontally with
#: dlib at 192 px / 8 lights and 256 px / 16 lights, every member passes QC on a
#: 3-view 16-light 256-px session, the first :data:`CAST_CORE` are all pairwise apart
#: in both renders, and the rest were added with the fewest look-alikes among the
#: seeds before them, never one that looks like its predecessor. Seeds 0, 3, 4 and 7
#: are pinned (the tests and the demo rely on them).
_CAST = (
    585, 742, 353, 227, 159, 521, 1010, 123, 364, 817, 412, 606,
    718, 823, 819, 821, 893, 1080, 802, 1140, 1006, 397, 423, 1037,
    305, 346, 854, 894, 337, 732, 1017, 290, 165, 716, 164, 76,
    1027, 593, 1102, 1164, 1085, 568, 17, 696, 833, 515, 54, 1143,
    475, 603, 264, 188, 1163, 43, 1145, 296, 77, 465, 491, 670,
    648, 258, 371, 1065, 389, 177, 764, 291, 609, 941, 367, 543,
    62, 840, 1110, 63, 878, 484, 14, 139, 602, 241, 1099, 1113,
    864, 220, 688, 630, 67, 1011, 248, 522, 1121, 888, 1044, 289,
    645, 574, 935, 911,
)  # fmt: skip
_CAST_SPREAD = 0.5
#: Seeds below this are the cast (see :meth:`SyntheticIdentity.from_seed`).
CAST_SIZE = len(_CAST)
#: Seeds below this are all pairwise farther apart than the identity threshold, by at
#: least 0.02 in both renders the cast was picked on (closest pair 0.470 against 0.45).
CAST_CORE = 44


@dataclass(frozen=True)
class SyntheticIdentity:
    """Everything that makes one synthetic person look like themselves.

    Lengths are in centimetres in the subject frame (see :mod:`likeness.capture.lights`);
    colours are linear-light albedos. Build one with :meth:`from_seed`.
    """

    seed: int
    #: The random stream the traits and textures were drawn from (see :meth:`from_seed`).
    stream: tuple[int, ...]
    head_width: float
    head_height: float
    head_depth: float
    jaw_width: float
    chin_drop: float
    eye_spacing: float
    eye_height: float
    eye_width: float
    eye_open: float
    eye_tilt: float
    brow_raise: float
    brow_thickness: float
    brow_arch: float
    nose_length: float
    nose_projection: float
    nose_width: float
    mouth_height: float
    mouth_width: float
    lip_fullness: float
    cheekbones: float
    ear_size: float
    skin_tone: float
    skin: tuple[float, float, float]
    eye_color: str
    hair_color: str
    hair_style: str
    hairline: float
    hair_volume: float
    clothing: tuple[float, float, float]
    shoulder_width: float
    neck_width: float
    beard: float
    cheek_fullness: float
    eye_liner: float
    brow_darkness: float
    lip_darkness: float

    @classmethod
    def from_seed(cls, seed: int) -> SyntheticIdentity:
        """Person ``seed``: the first :data:`CAST_SIZE` seeds are a cast, the rest i.i.d.

        Independent draws make look-alikes: about one pair in five of such synthetic
        people sits within dlib's identity threshold. So seeds below ``CAST_SIZE`` map
        to a cast of draws picked with dlib (see decision records 0007 and 0010 and
        ``bench/pick_cast.py``): seeds below :data:`CAST_CORE` are all pairwise
        farther apart than the threshold in the renders measured, 98 pairs in a
        hundred of the whole cast are, and neighbouring seeds always are. Cast traits are
        drawn towards the ends of each range. Later seeds draw from their own stream,
        independently.
        """
        if seed < 0:
            raise ValueError("seed must be a non-negative integer")
        stream = (_CAST[seed], _CAST_TAG) if seed < len(_CAST) else (seed,)
        return cls._draw(seed, stream)

    @classmethod
    def cast_candidate(cls, index: int) -> SyntheticIdentity:
        """Draw ``index`` of the pool the cast is picked from (``bench/pick_cast.py``).

        Its :attr:`seed` is -1: a candidate is not a seed until the cast names it.
        """
        if index < 0:
            raise ValueError("candidate index must be a non-negative integer")
        return cls._draw(-1, (index, _CAST_TAG))

    @classmethod
    def _draw(cls, seed: int, stream: tuple[int, ...]) -> SyntheticIdentity:
        rng = np.random.default_rng([*stream, 0x11CE])
        # The cast is drawn towards the ends of every range: far-apart traits are what
        # make two faces two people to an embedding, and the cast is picked for that.
        spread = _CAST_SPREAD if len(stream) > 1 else 1.0

        def u(lo: float, hi: float) -> float:
            t = 2.0 * float(rng.uniform()) - 1.0
            return lo + (hi - lo) * 0.5 * (1.0 + math.copysign(abs(t) ** spread, t))

        coded = {name: u(lo, hi) for name, (lo, hi) in _TRAITS.items()}
        tone = coded["skin_tone"]
        undertone = np.array([u(-0.04, 0.04), u(-0.03, 0.03), u(-0.03, 0.03)])
        skin = _SKIN_LIGHT * (1.0 - tone) + _SKIN_DEEP * tone
        skin = np.clip(skin * (1.0 + undertone), 0.02, 0.9)
        hue = u(0.0, 1.0)
        clothing = _hue_to_rgb(hue, saturation=u(0.2, 0.8), value=u(0.05, 0.5))
        hair_color = str(rng.choice(list(HAIR_COLORS)))
        if tone > 0.55 and hair_color in {"blond", "grey"}:
            hair_color = "black"
        return cls(
            seed=seed,
            stream=stream,
            head_width=coded["head_width"],
            head_height=u(10.2, 12.4),
            head_depth=u(9.2, 10.2),
            jaw_width=u(0.68, 1.0),
            chin_drop=u(-0.6, 1.6),
            eye_spacing=coded["eye_spacing"],
            eye_height=u(-0.8, 0.8),
            eye_width=coded["eye_width"],
            eye_open=u(0.34, 0.72),
            eye_tilt=u(-0.15, 0.22),
            brow_raise=coded["brow_raise"],
            brow_thickness=coded["brow_thickness"],
            brow_arch=u(0.0, 0.6),
            nose_length=coded["nose_length"],
            nose_projection=u(1.0, 2.6),
            nose_width=u(1.2, 2.3),
            mouth_height=max(coded["mouth_height"], coded["nose_length"] + 1.8),
            mouth_width=u(1.9, 3.1),
            lip_fullness=u(0.15, 0.75),
            cheekbones=u(0.0, 0.9),
            ear_size=u(0.85, 1.15),
            skin_tone=tone,
            skin=(float(skin[0]), float(skin[1]), float(skin[2])),
            eye_color=str(rng.choice(list(EYE_COLORS))),
            hair_color=hair_color,
            hair_style=str(rng.choice(HAIR_STYLES)),
            hairline=u(5.3, 7.4),
            hair_volume=u(0.5, 1.6),
            clothing=clothing,
            shoulder_width=u(0.9, 1.1),
            neck_width=u(0.9, 1.1),
            beard=u(0.4, 1.0) if rng.random() < 0.35 else 0.0,
            cheek_fullness=u(0.0, 0.8),
            eye_liner=u(0.0, 1.0),
            brow_darkness=u(0.0, 1.0),
            lip_darkness=u(0.0, 1.0),
        )


def _hue_to_rgb(hue: float, saturation: float, value: float) -> tuple[float, float, float]:
    h6 = hue * 6.0
    c = value * saturation
    x = c * (1.0 - abs(h6 % 2.0 - 1.0))
    sector = int(h6) % 6
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][sector]
    m = value - c
    return (r + m + 0.02, g + m + 0.02, b + m + 0.02)
