"""Errors of the twin feature.

::

    TwinError (422)
    ├── TwinNotFound (404)     no such twin (or one of another talent's)
    ├── KeyUnavailable (500)   master key missing or wrong
    ├── KeyShredded (410)      the twin's data key was destroyed: its data is gone
    └── DecryptionFailed (422) ciphertext altered, or sealed for another twin
"""

from __future__ import annotations

from likeness.errors import LikenessError, NotFound


class TwinError(LikenessError):
    status_code = 422


class TwinNotFound(TwinError, NotFound):
    status_code = 404


class KeyUnavailable(TwinError):
    status_code = 500


class KeyShredded(TwinError):
    status_code = 410


class DecryptionFailed(TwinError):
    pass
