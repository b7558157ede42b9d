"""Errors of the key vault and the sealing of blobs.

::

    VaultError (422)
    ├── KeyUnavailable (500)   master key missing or wrong
    ├── KeyShredded (410)      the data key was destroyed: what it sealed is gone
    └── DecryptionFailed (422) ciphertext altered, or sealed for another owner or role
"""

from __future__ import annotations

from likeness.errors import LikenessError


class VaultError(LikenessError):
    status_code = 422


class KeyUnavailable(VaultError):
    status_code = 500


class KeyShredded(VaultError):
    status_code = 410


class DecryptionFailed(VaultError):
    pass
