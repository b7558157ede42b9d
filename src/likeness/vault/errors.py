"""Errors of the key vault and the sealing of blobs.

::

    VaultError (422)
    ├── KeyUnavailable (500)   master key missing or wrong
    ├── KeyShredded (410)      the data key was destroyed: what it sealed is gone
    └── DecryptionFailed (422) ciphertext altered, or sealed for another owner or role
"""

from __future__ import annotations

from likeness.errors import LikenessError


class VaultError(LikenessError, status=422):
    """Base of vault errors."""


class KeyUnavailable(VaultError, status=500):
    """The master key is missing or wrong."""


class KeyShredded(VaultError, status=410):
    """The data key was destroyed: what it sealed is gone."""


class DecryptionFailed(VaultError):
    """Ciphertext altered, or sealed for another owner or role."""
