"""Errors of the asset registry.

::

    AssetError (422)
    ├── AssetNotFound (404)        no such asset, or one the caller may not see
    ├── InvalidAsset (422)         a registration with bad input (nothing stored)
    ├── DuplicateAsset (409)       the id, mark or idempotency key is already registered
    ├── NotDownloadable (409)      a brand asked for a preview, or an asset no longer active
    ├── PublicationRefused (403)   the decision point denies publishing on that channel/territory
    └── AlreadyTakenDown (409)     the brand already confirmed this take-down
"""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class AssetError(LikenessError, status=422):
    """Base of asset registry errors."""


class AssetNotFound(AssetError, NotFound, status=404):
    """No such asset, or one the caller may not see."""


class InvalidAsset(AssetError, InvalidInput):
    """A registration with bad input (nothing stored)."""


class DuplicateAsset(AssetError, Conflict, status=409):
    """The id, mark or idempotency key is already registered."""


class NotDownloadable(AssetError, Conflict, status=409):
    """Only a brand's own *active release* is downloadable by that brand."""


class PublicationRefused(AssetError, Forbidden, status=403):
    """The license does not cover publishing this asset there (nothing was recorded)."""


class AlreadyTakenDown(AssetError, Conflict, status=409):
    """The brand already confirmed this take-down."""
