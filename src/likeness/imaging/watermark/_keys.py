"""Key handling: every pseudo-random choice of the watermark derives from the secret key.

A keyed BLAKE2b of a label gives the seed of an independent NumPy generator per use,
so the sync pattern, the chip signs and the bit layout are unrelated to each other and
unpredictable without the key.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np

from likeness.imaging.watermark._errors import InvalidKey

KEY_BYTES = 32
MIN_KEY_BYTES = 16


def generate_key() -> bytes:
    """Return a fresh random 32-byte watermark key (what ``likeness init`` stores)."""
    return secrets.token_bytes(KEY_BYTES)


def check_key(key: bytes) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise InvalidKey(f"the watermark key must be bytes, not {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise InvalidKey(
            f"the watermark key must be at least {MIN_KEY_BYTES} bytes, got {len(key)}"
        )
    return bytes(key)


def keyed_rng(key: bytes, label: str) -> np.random.Generator:
    """A generator seeded by ``BLAKE2b(key, label)``: same key and label, same stream."""
    digest = hashlib.blake2b(label.encode("ascii"), key=key[:64], digest_size=32).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "big")))
