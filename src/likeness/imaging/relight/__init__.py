"""Physically based relighting of one-light-at-a-time (OLAT) captures.

Light transport is linear (Debevec et al., "Acquiring the Reflectance Field of a Human
Face", SIGGRAPH 2000): a subject under any lighting is a weighted sum of its OLAT images.
This package computes those weights, for point/directional lights anywhere on the sphere,
for environment maps and presets, and picks or blends captured views::

    import numpy as np
    from likeness.imaging import relight as rl

    basis, dirs, alpha = rl.synthetic_basis(64)          # [L, H, W, 3], [L, 3], [H, W]
    key = (rl.direction_from_angles(-35, 25), (1.0, 0.95, 0.9))
    image = rl.relight(basis, dirs, [key])               # float32 [H, W, 3], linear light
    sky = rl.relight_environment(basis, dirs, rl.environment_preset("overcast"))

A learned prior (:func:`train_prior`, decision 0027) predicts rig lights a basis lacks,
or frames :func:`dead_lights` flags, from the other lights; a full basis renders the same
with or without it::

    prior = rl.train_prior([(basis_a, dirs), (basis_b, dirs)])  # consented captures only
    prior.save("relight.prior")                                 # one file, no pickle
    dead = rl.dead_lights(basis, dirs)                          # bool [L]
    image = rl.relight(basis, dirs, [key], prior=prior, ignore=dead)

Frame: +x image right, +y up, +z towards the camera; azimuth > 0 lights the subject's right
(the image's left). Directions between rig lights are interpolated over the sphere by
:class:`LightInterpolator` (a power-kernel radial-basis interpolant over an embedding of
the sphere that stretches the camera axis, whose weights depend only on the rig, so renders
stay linear and rig directions are reproduced exactly); see
``docs/decisions/0006-relighting.md`` for the measured quality on real captures.

Exceptions (all subclasses of :class:`likeness.errors.LikenessError`, status 422)::

    RelightError
    ├── InvalidBasis        wrong shape/dtype, NaN, non-unit or repeated light directions
    ├── InvalidLights       empty light list, malformed or negative light
    ├── InvalidEnvironment  unreadable, non-2:1, negative or non-finite environment map
    ├── InvalidViews        view selection that does not match the captured views
    ├── InvalidPrior        a prior file that is not one, is corrupt or inconsistent
    └── PriorMismatch       a basis whose lights are not lights of the prior's rig
"""

from __future__ import annotations

from likeness.imaging.relight._dead import dead_lights, light_scores
from likeness.imaging.relight._environment import (
    PRESETS,
    EnvironmentMap,
    environment_energy,
    environment_preset,
    load_environment,
    pixel_directions,
    project_environment,
    relight_environment,
    rotate_environment,
)
from likeness.imaging.relight._errors import (
    InvalidBasis,
    InvalidEnvironment,
    InvalidLights,
    InvalidPrior,
    InvalidViews,
    PriorMismatch,
    RelightError,
)
from likeness.imaging.relight._interp import LightInterpolator, embed_directions
from likeness.imaging.relight._prior import (
    DEFAULT_GATES,
    RelightPrior,
    brightness_gates,
    train_prior,
)
from likeness.imaging.relight._relight import (
    Light,
    Reflectance,
    angles_from_direction,
    apply_region_weights,
    apply_weights,
    direction_from_angles,
    relight,
    repair_basis,
    rig_weights,
    validate_basis,
)
from likeness.imaging.relight._synthetic import key_fill_rim, rig_directions, synthetic_basis
from likeness.imaging.relight._views import blend_views, select_views

__all__ = [
    "DEFAULT_GATES",
    "PRESETS",
    "EnvironmentMap",
    "InvalidBasis",
    "InvalidEnvironment",
    "InvalidLights",
    "InvalidPrior",
    "InvalidViews",
    "Light",
    "LightInterpolator",
    "PriorMismatch",
    "Reflectance",
    "RelightError",
    "RelightPrior",
    "angles_from_direction",
    "apply_region_weights",
    "apply_weights",
    "blend_views",
    "brightness_gates",
    "dead_lights",
    "direction_from_angles",
    "embed_directions",
    "environment_energy",
    "environment_preset",
    "key_fill_rim",
    "light_scores",
    "load_environment",
    "pixel_directions",
    "project_environment",
    "relight",
    "relight_environment",
    "repair_basis",
    "rig_directions",
    "rig_weights",
    "rotate_environment",
    "select_views",
    "synthetic_basis",
    "train_prior",
    "validate_basis",
]
