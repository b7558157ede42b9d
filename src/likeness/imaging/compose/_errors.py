"""Exception tree of :mod:`likeness.imaging.compose`."""

from __future__ import annotations

from likeness.errors import LikenessError


class ComposeError(LikenessError):
    """Base of every compositing error (bad input the caller can fix)."""

    status_code = 422


class InvalidImage(ComposeError):
    """An image, plate or alpha has the wrong shape, dtype or values."""


class InvalidFraming(ComposeError):
    """Unknown framing preset, bad output size or face box."""
