"""Exception tree of :mod:`likeness.imaging.compose`."""

from __future__ import annotations

from likeness.errors import LikenessError
from likeness.imaging._errors import InvalidImage as AnyInvalidImage


class ComposeError(LikenessError, status=422):
    """Base of every compositing error (bad input the caller can fix)."""


class InvalidImage(ComposeError, AnyInvalidImage):
    """An image, plate or alpha has the wrong shape, dtype or values."""


class InvalidFraming(ComposeError):
    """Unknown framing preset, bad output size or face box."""
