"""The error base every imaging library shares.

Each library (``watermark``, ``relight``, ``compose``, ``faces``) keeps its own tree, and
its ``InvalidImage`` also derives from :class:`InvalidImage` here, so a caller that feeds
pictures to several libraries can catch one exception for "this is not a usable image".
"""

from __future__ import annotations

from likeness.errors import LikenessError


class ImagingError(LikenessError, status=422):
    """Base of every imaging error: bad input the caller can fix."""


class InvalidImage(ImagingError):
    """An array is not an image the library can use (shape, dtype, values, size)."""
