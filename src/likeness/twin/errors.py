"""Errors of the twin feature (the key vault's own errors live in :mod:`likeness.vault.errors`).

::

    TwinError (422)
    └── TwinNotFound (404)     no such twin (or one of another talent's)
"""

from __future__ import annotations

from likeness.errors import LikenessError, NotFound


class TwinError(LikenessError, status=422):
    pass


class TwinNotFound(TwinError, NotFound, status=404):
    pass
