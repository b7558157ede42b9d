"""The array types of the watermark modules, named once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Float32 = npt.NDArray[np.float32]
Float64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
#: Hard bits, one per element (0 or 1).
BitArray = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.int64]
#: An image as callers pass it: 8- or 16-bit, grey or colour, with or without alpha.
Pixels = npt.NDArray[np.uint8] | npt.NDArray[np.uint16]
