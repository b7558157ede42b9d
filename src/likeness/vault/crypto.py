"""Envelope encryption for twins, with crypto-shredding.

Every twin gets its own random 256-bit data key. Twin blobs (OLAT basis, mattes,
thumbnails, embeddings) are sealed with AES-256-GCM under that key, with the twin id
and the blob's role as associated data, so a blob cannot be swapped between twins or
roles unnoticed. The data key itself is stored only wrapped by the platform master key,
and only in a :class:`KeyVault` *outside the database* (a key folder next to the
master key, or a KMS). The database records which twin has a key, never the key.

Crypto-shredding is therefore one operation: :meth:`TwinCipher.shred` destroys the
vault entry. After it, the twin's blobs are noise, even for someone holding a backup of
the database and a copy of the blob store and the master key.

Master keys: :class:`LocalMasterKey` (a 0600 key file, ``Settings().keys_dir /
"master.key"``, made by :func:`generate_master_key` from ``likeness init``),
:class:`KmsMasterKey` (callbacks to a production KMS that wraps and unwraps), and
:class:`InMemoryMasterKey` for tests.

Usage::

    cipher = TwinCipher(LocalMasterKey.from_file(path), FileKeyVault(keys_dir / "twins"))
    cipher.create_key(twin_id)
    sealed = cipher.encrypt(twin_id, data, role="basis/view0")
    data = cipher.decrypt(twin_id, sealed, role="basis/view0")
    cipher.shred(twin_id)        # from now on decrypt raises KeyShredded
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from likeness.kit.files import write_private
from likeness.vault.errors import DecryptionFailed, KeyShredded, KeyUnavailable

__all__ = [
    "FileKeyVault",
    "InMemoryMasterKey",
    "KeyVault",
    "KmsMasterKey",
    "LocalMasterKey",
    "MasterKey",
    "MemoryKeyVault",
    "TwinCipher",
    "generate_master_key",
]

KEY_BYTES = 32
_NONCE_BYTES = 12
_SEALED_MAGIC = b"LKT1"
_WRAPPED_MAGIC = b"LKW1"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class MasterKey(Protocol):
    """Wraps and unwraps data keys; ``context`` binds a wrapped key to its owner."""

    @property
    def key_id(self) -> str: ...

    def wrap(self, data_key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes: ...


class _AesMasterKey:
    def __init__(self, key: bytes, key_id: str) -> None:
        if len(key) != KEY_BYTES:
            raise KeyUnavailable("master key must be 32 bytes")
        self._aead = AESGCM(key)
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _WRAPPED_MAGIC + nonce + self._aead.encrypt(nonce, data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        if not wrapped.startswith(_WRAPPED_MAGIC):
            raise DecryptionFailed("not a wrapped key")
        body = wrapped[len(_WRAPPED_MAGIC) :]
        try:
            return self._aead.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], context)
        except InvalidTag:
            raise KeyUnavailable(
                "the master key cannot unwrap this data key (wrong master key?)"
            ) from None


class InMemoryMasterKey(_AesMasterKey):
    """A random master key that lives only as long as the object (tests, demos)."""

    def __init__(self) -> None:
        super().__init__(secrets.token_bytes(KEY_BYTES), "memory")


class LocalMasterKey(_AesMasterKey):
    """The master key from a local key file (32 random bytes, mode 0600)."""

    @classmethod
    def from_file(cls, path: str | Path) -> LocalMasterKey:
        """Read the key: 32 raw bytes (what ``likeness init`` writes) or their base64."""
        p = Path(path)
        if not p.is_file():
            raise KeyUnavailable(f"no master key at {p}: run `likeness init`")
        data = p.read_bytes()
        if len(data) == KEY_BYTES:
            return cls(data, f"file:{p.name}")
        try:
            key = base64.b64decode(data.strip(), validate=True)
        except ValueError:
            raise KeyUnavailable(f"master key file {p} is neither 32 bytes nor base64") from None
        return cls(key, f"file:{p.name}")


class KmsMasterKey:
    """Production master key held by a KMS: wrapping is delegated to two callbacks.

    ``wrap(data_key, context) -> bytes`` and ``unwrap(wrapped, context) -> bytes``
    typically call the KMS's encrypt/decrypt with ``context`` as encryption context.
    """

    def __init__(
        self,
        key_id: str,
        wrap: Callable[[bytes, bytes], bytes],
        unwrap: Callable[[bytes, bytes], bytes],
    ) -> None:
        self._key_id = key_id
        self._wrap = wrap
        self._unwrap = unwrap

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        return self._wrap(data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        return self._unwrap(wrapped, context)


def generate_master_key(path: str | Path) -> bool:
    """Create a master key file at ``path`` (mode 0600) unless one exists.

    Returns ``True`` when a key was created, ``False`` when one was already there (so
    ``likeness init`` stays idempotent and never replaces a key that data depends on).
    """
    try:
        write_private(Path(path), secrets.token_bytes(KEY_BYTES))
    except FileExistsError:
        return False
    return True


class KeyVault(Protocol):
    """Where wrapped data keys live, outside the database."""

    def put(self, name: str, wrapped: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> bool: ...

    def entries(self) -> list[tuple[str, float]]:
        """Every key's name and when it was stored (epoch seconds), for ``likeness doctor``."""
        ...


class MemoryKeyVault:
    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._stored: dict[str, float] = {}
        self._lock = threading.Lock()

    def put(self, name: str, wrapped: bytes) -> None:
        with self._lock:
            self._keys[_check_name(name)] = wrapped
            self._stored[name] = time.time()

    def get(self, name: str) -> bytes | None:
        with self._lock:
            return self._keys.get(_check_name(name))

    def delete(self, name: str) -> bool:
        with self._lock:
            self._stored.pop(name, None)
            return self._keys.pop(_check_name(name), None) is not None

    def entries(self) -> list[tuple[str, float]]:
        with self._lock:
            return sorted((name, self._stored[name]) for name in self._keys)


class FileKeyVault:
    """One 0600 file per wrapped key in a private folder (``keys_dir / "twins"``)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, name: str) -> Path:
        return self.folder / f"{_check_name(name)}.key"

    def put(self, name: str, wrapped: bytes) -> None:
        write_private(self._path(name), wrapped, overwrite=True)

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        return path.read_bytes() if path.is_file() else None

    def delete(self, name: str) -> bool:
        path = self._path(name)
        if not path.is_file():
            return False
        # Overwrite before unlinking: a best effort against undelete on simple disks
        # (copy-on-write file systems and SSDs may keep old blocks; the key is still
        # wrapped by the master key there).
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.write(secrets.token_bytes(size))
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
        return True

    def entries(self) -> list[tuple[str, float]]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.key")):
            try:
                out.append((path.stem, path.stat().st_mtime))
            except FileNotFoundError:  # shredded while we looked
                continue
        return out


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError("key names are 1-128 letters, digits, '-' or '_'")
    return name


class TwinCipher:
    """Per-twin data keys: create, seal, open and shred."""

    def __init__(self, master: MasterKey, vault: KeyVault) -> None:
        self.master = master
        self.vault = vault

    @staticmethod
    def _context(twin_id: str) -> bytes:
        return b"likeness/twin-key/" + twin_id.encode("ascii")

    def create_key(self, twin_id: str) -> None:
        """Make the twin's data key (idempotent: an existing key is kept)."""
        if self.vault.get(twin_id) is not None:
            return
        data_key = AESGCM.generate_key(bit_length=256)
        self.vault.put(twin_id, self.master.wrap(data_key, self._context(twin_id)))

    def has_key(self, twin_id: str) -> bool:
        return self.vault.get(twin_id) is not None

    def _data_key(self, twin_id: str) -> AESGCM:
        wrapped = self.vault.get(twin_id)
        if wrapped is None:
            raise KeyShredded(f"twin {twin_id} has no data key: it was deleted (crypto-shredded)")
        return AESGCM(self.master.unwrap(wrapped, self._context(twin_id)))

    @staticmethod
    def _aad(twin_id: str, role: str) -> bytes:
        return f"likeness/twin-blob/{twin_id}/{role}".encode()

    def encrypt(self, twin_id: str, plaintext: bytes, *, role: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        body = self._data_key(twin_id).encrypt(nonce, plaintext, self._aad(twin_id, role))
        return _SEALED_MAGIC + nonce + body

    def decrypt(self, twin_id: str, sealed: bytes, *, role: str) -> bytes:
        aead = self._data_key(twin_id)
        if not sealed.startswith(_SEALED_MAGIC) or len(sealed) < 4 + _NONCE_BYTES + 16:
            raise DecryptionFailed("not a sealed twin blob")
        body = sealed[len(_SEALED_MAGIC) :]
        try:
            return aead.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], self._aad(twin_id, role))
        except InvalidTag:
            raise DecryptionFailed(
                f"blob does not authenticate for twin {twin_id} ({role}): altered or misplaced"
            ) from None

    def shred(self, twin_id: str) -> bool:
        """Destroy the twin's data key; returns whether there was one."""
        return self.vault.delete(twin_id)
