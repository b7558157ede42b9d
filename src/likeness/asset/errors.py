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


class AssetError(LikenessError):
    status_code = 422


class AssetNotFound(AssetError, NotFound):
    status_code = 404


class InvalidAsset(AssetError, InvalidInput):
    status_code = 422


class DuplicateAsset(AssetError, Conflict):
    status_code = 409


class NotDownloadable(AssetError, Conflict):
    """Only a brand's own *active release* is downloadable by that brand."""

    status_code = 409


class PublicationRefused(AssetError, Forbidden):
    """The license does not cover publishing this asset there (nothing was recorded)."""

    status_code = 403


class AlreadyTakenDown(AssetError, Conflict):
    status_code = 409
