"""Exceptions raised by :mod:`likeness.imaging.watermark`."""

from __future__ import annotations

from likeness.errors import LikenessError
from likeness.imaging._errors import InvalidImage as AnyInvalidImage


class WatermarkError(LikenessError, status=422):
    """Base of every watermark error; a user mistake, never a bug."""


class InvalidImage(WatermarkError, AnyInvalidImage):
    """The array is not an image this library can mark (shape, dtype, values)."""


class ImageTooSmall(InvalidImage):
    """A side is shorter than :data:`MIN_SIDE` pixels: too little room for one tile."""


class InvalidPayload(WatermarkError):
    """The payload is not exactly 8 bytes (16 hex digits on the command line)."""


class InvalidKey(WatermarkError):
    """The key is shorter than 16 bytes, or the key file cannot be read."""
