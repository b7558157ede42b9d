"""Garments from packshots: cut out, find their keypoints, warp onto a body, compare colour.

A packshot is a garment photographed front-on on a plain backdrop. :func:`cut_out`
separates it (threshold on the distance to the border colour, then GrabCut), with an
anti-aliased, colour-decontaminated edge; :func:`garment_keypoints` reads the neckline,
collar, shoulders and hem from the matte; :func:`warp_garment` bends it onto a canvas with
a thin-plate spline through matching points (scikit-image's
:class:`~skimage.transform.ThinPlateSplineTransform`); :func:`delta_e_2000` measures how
far colours moved (CIEDE2000)::

    import numpy as np
    from likeness.imaging import garment as gm

    cut = gm.cut_out(packshot_u8)                   # Cutout(rgb, alpha, box, background)
    points = gm.garment_keypoints(cut.alpha)        # neck, collars, shoulders, hem
    pairs = {name: (points[name], body[name]) for name in ("neck", "left_shoulder", ...)}
    placed = gm.warp_garment(pixels, cut.alpha, pairs, (1080, 1350))

Deterministic: GrabCut's random seeding is fixed. Arrays in, arrays out.

Exceptions (subclasses of :class:`likeness.errors.LikenessError`, status 422)::

    GarmentError
    ├── InvalidImage     wrong shape/dtype, too small, bad keypoints
    └── NoGarmentFound   no plain backdrop, or nothing stands out from it
"""

from __future__ import annotations

from likeness.imaging.garment._color import delta_e_2000, mean_delta_e, srgb_to_lab
from likeness.imaging.garment._cutout import Cutout, cut_out
from likeness.imaging.garment._errors import GarmentError, InvalidImage, NoGarmentFound
from likeness.imaging.garment._keypoints import garment_keypoints, side_extent
from likeness.imaging.garment._warp import WarpedGarment, warp_garment

__all__ = [
    "Cutout",
    "GarmentError",
    "InvalidImage",
    "NoGarmentFound",
    "WarpedGarment",
    "cut_out",
    "delta_e_2000",
    "garment_keypoints",
    "mean_delta_e",
    "side_extent",
    "srgb_to_lab",
    "warp_garment",
]
