"""Transfer functions, gamut conversion and ICC profiles.

Everything upstream is linear-light Rec.709/sRGB primaries. Output is either sRGB
(IEC 61966-2-1) or Display P3 (P3 primaries, D65, the sRGB tone curve), the latter with
an ICC v4 matrix/TRC profile built here so that colour-managed viewers show it right.
"""

from __future__ import annotations

import struct
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._errors import InvalidImage
from likeness.imaging.compose._validate import check_rgb

ColorSpace = Literal["srgb", "display-p3"]

#: Linear sRGB → linear Display P3 (both D65), from the primaries' XYZ matrices.
SRGB_TO_P3 = np.array(
    [
        [0.8225929, 0.1775339, 0.0000000],
        [0.0331995, 0.9667835, 0.0000000],
        [0.0170854, 0.0723957, 0.9103014],
    ],
    dtype=np.float32,
)

#: Display P3 primaries adapted to D50 (ICC PCS), columns r, g, b (XYZ).
_P3_D50 = np.array(
    [
        [0.5151, 0.2919, 0.1572],
        [0.2412, 0.6922, 0.0666],
        [-0.0010, 0.0419, 0.7845],
    ]
)
_SRGB_D50 = np.array(
    [
        [0.4361, 0.3851, 0.1431],
        [0.2225, 0.7169, 0.0606],
        [0.0139, 0.0971, 0.7141],
    ]
)

_LUT_SIZE = 4096


def srgb_encode_float(linear: NDArray[np.float32]) -> NDArray[np.float32]:
    """Linear → sRGB-encoded values in [0, 1] (clipped)."""
    x = np.clip(linear, 0.0, 1.0)
    out = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return out.astype(np.float32)


def srgb_decode(encoded: NDArray[np.floating]) -> NDArray[np.float32]:
    """sRGB-encoded [0, 1] → linear light."""
    x = np.clip(encoded.astype(np.float32), 0.0, 1.0)
    out = np.where(x <= 0.04045, x / 12.92, np.power((x + 0.055) / 1.055, 2.4))
    return out.astype(np.float32)


def _encode_lut() -> NDArray[np.uint8]:
    levels = ((np.arange(_LUT_SIZE) + 0.5) / _LUT_SIZE).astype(np.float32)
    return np.round(srgb_encode_float(levels) * 255).astype(np.uint8)


_LUT = _encode_lut()


def to_display(image: NDArray[np.float32], space: ColorSpace = "srgb") -> NDArray[np.uint8]:
    """Linear RGB float32 → 8-bit display RGB in ``space`` (a 4096-entry tone-curve LUT)."""
    check_rgb(image)
    if space == "display-p3":
        image = (image.reshape(-1, 3) @ SRGB_TO_P3.T).reshape(image.shape).astype(np.float32)
    elif space != "srgb":
        raise InvalidImage(f"unknown colour space {space!r}; use 'srgb' or 'display-p3'")
    scaled = image * np.float32(_LUT_SIZE)
    np.clip(scaled, 0, _LUT_SIZE - 1, out=scaled)
    display: NDArray[np.uint8] = np.take(_LUT, scaled.astype(np.uint16))
    return display


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _tag_xyz(xyz: NDArray[np.float64] | tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(float(v)) for v in xyz)


def _tag_para_srgb() -> bytes:
    # Parametric curve type 3: Y = (aX + b)^g for X >= d, else cX (the sRGB curve).
    params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(p) for p in params)


def _tag_mluc(text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    header = b"mluc\0\0\0\0" + struct.pack(">II", 1, 12)
    record = b"enUS" + struct.pack(">II", len(encoded), 28)
    return header + record + encoded


def icc_profile(space: ColorSpace) -> bytes:
    """A minimal ICC v4 display profile (matrix + sRGB TRC) for ``space``."""
    if space == "display-p3":
        matrix, name = _P3_D50, "Display P3 (Likeness)"
    elif space == "srgb":
        matrix, name = _SRGB_D50, "sRGB (Likeness)"
    else:
        raise InvalidImage(f"unknown colour space {space!r}")
    curve = _tag_para_srgb()
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", _tag_mluc(name)),
        (b"cprt", _tag_mluc("No copyright, use freely")),
        (b"wtpt", _tag_xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", _tag_xyz(matrix[:, 0])),
        (b"gXYZ", _tag_xyz(matrix[:, 1])),
        (b"bXYZ", _tag_xyz(matrix[:, 2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table = struct.pack(">I", len(tags))
    data = b""
    for signature, body in tags:
        padded = body + b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += padded
    size = 128 + table_size + len(data)
    header = struct.pack(">I", size) + b"\0\0\0\0" + bytes([4, 0x40, 0, 0])
    header += b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 4 + struct.pack(">I", 0)
    header += b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    header += b"\0" * 4 + b"\0" * 16 + b"\0" * 28
    assert len(header) == 128
    return header + table + data
