"""Exception tree of :mod:`likeness.imaging.relight`."""

from __future__ import annotations

from likeness.errors import LikenessError
from likeness.imaging._errors import InvalidImage


class RelightError(LikenessError, status=422):
    """Base of every relighting error (bad input the caller can fix)."""


class InvalidBasis(RelightError, InvalidImage):
    """The OLAT basis or its light directions have the wrong shape, dtype or values."""


class InvalidLights(RelightError):
    """A requested light is malformed, or no light was given."""


class InvalidEnvironment(RelightError):
    """An environment map could not be read or has the wrong shape or values."""


class InvalidViews(RelightError):
    """A multi-view request does not match the captured views."""


class InvalidPrior(RelightError):
    """A relighting prior file is not one, is corrupt, or has inconsistent contents."""


class PriorMismatch(RelightError):
    """A basis was captured on a rig the prior was not trained for."""
