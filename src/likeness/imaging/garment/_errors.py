"""Exception tree of :mod:`likeness.imaging.garment`."""

from __future__ import annotations

from likeness.imaging._errors import ImagingError
from likeness.imaging._errors import InvalidImage as AnyInvalidImage


class GarmentError(ImagingError):
    """Base of every garment error (bad input the caller can fix)."""


class InvalidImage(GarmentError, AnyInvalidImage):
    """A packshot, matte or point set has the wrong shape, dtype or values."""


class NoGarmentFound(GarmentError):
    """The packshot's background could not be told from a garment (nothing to cut)."""
