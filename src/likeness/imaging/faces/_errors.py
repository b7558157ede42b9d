"""Exception tree of :mod:`likeness.imaging.faces`."""

from __future__ import annotations

from likeness.errors import LikenessError
from likeness.imaging._errors import InvalidImage as AnyInvalidImage


class FaceError(LikenessError, status=422):
    """Base of every error raised by the faces library."""


class InvalidImage(FaceError, AnyInvalidImage):
    """The input is not an 8-bit or float RGB/grey image of usable size."""


class NoFaceFound(FaceError):
    """No face was detected where one was required."""


class ModelsUnavailable(FaceError, status=500):
    """dlib or its model files are not installed."""
