"""What a service that stores sealed blobs needs: the blob store and the cipher."""

from __future__ import annotations

from dataclasses import dataclass

from likeness.storage import BlobStore
from likeness.vault.crypto import TwinCipher


@dataclass
class StorageDeps:
    blobs: BlobStore
    cipher: TwinCipher
