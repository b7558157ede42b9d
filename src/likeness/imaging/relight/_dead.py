"""Dead or misfired rig lights: a frame far darker than its neighbours predict.

Each frame is predicted from the other frames by the weight-free interpolant
(:class:`LightInterpolator`), and its brightness compared with the prediction as the
least-squares scale ``<I, P> / <P, P>``. Healthy frames score about 1 (0.4-0.6 at the sparse,
grazing lights of a dome, where the interpolant over-predicts); a strobe that did not fire
scores near 0 (ambient only). A frame scoring below ``threshold`` is flagged, and the check
is repeated without the flagged frames so that two dead neighbours cannot hide each other.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.relight._interp import LightInterpolator
from likeness.imaging.relight._validate import FloatArray, check_basis, check_directions

#: Frames darker than this fraction of their prediction are dead (see the module docstring).
DEAD_THRESHOLD = 0.3
#: Pixels sampled per frame for the check (a regular subsample; speed only).
SAMPLE_PIXELS = 65536


def light_scores(
    basis: FloatArray, light_dirs: FloatArray, ignore: NDArray[np.bool_] | None = None
) -> NDArray[np.float64]:
    """Per frame, ``<I, P> / <P, P>`` against its prediction ``P`` from the other frames
    (``ignore``d frames excluded as predictors); ``nan`` where ``P`` is black."""
    checked = check_basis(basis)
    dirs = check_directions(light_dirs, count=checked.shape[0])
    count = checked.shape[0]
    flat = checked.reshape(count, -1)
    stride = max(1, flat.shape[1] // SAMPLE_PIXELS)
    sample = flat[:, ::stride].astype(np.float64)
    skip = np.zeros(count, bool) if ignore is None else ignore
    scores = np.full(count, np.nan)
    for light in range(count):
        others = np.flatnonzero((np.arange(count) != light) & ~skip)
        if others.size == 0:
            continue
        weights = LightInterpolator(dirs[others]).weights(
            dirs[light : light + 1].astype(np.float64)
        )
        prediction = weights[0] @ sample[others]
        energy = float(prediction @ prediction)
        if energy > 0:
            scores[light] = float(prediction @ sample[light]) / energy
    return scores


def dead_lights(
    basis: FloatArray, light_dirs: FloatArray, *, threshold: float = DEAD_THRESHOLD
) -> NDArray[np.bool_]:
    """Boolean mask ``[L]`` of frames far darker than their neighbours predict."""
    checked = check_basis(basis)
    check_directions(light_dirs, count=checked.shape[0])
    flagged = np.zeros(checked.shape[0], bool)
    if flagged.size < 3:
        return flagged
    for _ in range(3):
        scores = light_scores(checked, light_dirs, flagged)
        update = np.nan_to_num(scores, nan=1.0) < threshold
        if np.array_equal(update, flagged):
            break
        flagged = update
    return flagged
