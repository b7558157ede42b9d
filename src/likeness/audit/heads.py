"""Signed chain heads: the audit chain's state in a form anyone can hold and check
(decision 0025).

A head names the Merkle tree over the chain's event hashes (:mod:`likeness.audit.merkle`)
at one moment: its size (= the last event's ``seq``), its root, the last event's chain
hash and the time, signed with the installation's Ed25519 **head key**
(``HOME/keys/chain-head.ed25519``, made on first use, kept like the other keys). The
public key travels inside every head with its fingerprint (``sha256:`` + SHA-256 of the
raw 32-byte key), so a talent, a brand or a court can pin the fingerprint once and check
any later head, proof bundle or inclusion proof without the database or any secret.

Pure code (no database): the offline verifier imports it. Exceptions::

    LikenessError
    └── HeadError             a head file that is not a signed chain head (422)
        └── HeadKeyError      the installation's head key is unreadable or damaged (500)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from likeness.errors import LikenessError
from likeness.kit.canonical import canonical_bytes
from likeness.kit.files import write_private

HEAD_SCHEMA = "likeness.chain-head/1"
KEY_FILENAME = "chain-head.ed25519"


class HeadError(LikenessError, status=422):
    """Not a signed chain head, or not one of ours."""


class HeadKeyError(HeadError, status=500):
    """The installation's head key cannot be used."""


def fingerprint(public_key_hex: str) -> str:
    """``sha256:`` + the SHA-256 of the raw public key: what a holder pins."""
    return "sha256:" + hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()


def public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def signing_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The installation's head key, made (mode 0600) the first time it is needed."""
    path = keys_dir / KEY_FILENAME
    if not path.exists():
        fresh = Ed25519PrivateKey.generate()
        pem = fresh.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with contextlib.suppress(FileExistsError):  # another process made it first
            write_private(path, pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise HeadKeyError(
            f"the chain head key {path} cannot be read ({exc}): restore it from your backup "
            "of the keys folder (heads signed before stay checkable with its public key)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise HeadKeyError(f"the chain head key {path} is not an Ed25519 key")
    return key


@dataclass(frozen=True)
class SignedHead:
    """One signed head; ``to_dict`` is the exported JSON file."""

    tree_size: int
    root: str  # hex of the Merkle root
    chain_hash: str  # the hash of event ``tree_size`` (GENESIS for an empty chain)
    at: str  # ISO 8601 UTC, when it was signed
    public_key: str  # hex of the raw Ed25519 key
    key_fingerprint: str
    signature: str = ""  # base64 Ed25519 over :meth:`signed_bytes`

    def signed_bytes(self) -> bytes:
        body = asdict(self)
        del body["signature"]
        return canonical_bytes({"schema": HEAD_SCHEMA, **body})

    def to_dict(self) -> dict[str, Any]:
        return {"schema": HEAD_SCHEMA, **asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @property
    def root_bytes(self) -> bytes:
        return bytes.fromhex(self.root)

    @classmethod
    def from_dict(cls, value: Any) -> SignedHead:
        if not isinstance(value, dict) or value.get("schema") != HEAD_SCHEMA:
            raise HeadError(f"not a signed chain head (schema {HEAD_SCHEMA} expected)")
        try:
            head = cls(
                tree_size=int(value["tree_size"]),
                root=str(value["root"]),
                chain_hash=str(value["chain_hash"]),
                at=str(value["at"]),
                public_key=str(value["public_key"]),
                key_fingerprint=str(value["key_fingerprint"]),
                signature=str(value["signature"]),
            )
            bytes.fromhex(head.root)
            bytes.fromhex(head.public_key)
        except (KeyError, TypeError, ValueError) as exc:
            raise HeadError(f"a signed chain head is incomplete or malformed ({exc})") from None
        if head.tree_size < 0 or len(head.root) != 64:
            raise HeadError("a signed chain head names an impossible tree")
        return head

    @classmethod
    def parse(cls, text: str | bytes) -> SignedHead:
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise HeadError(f"a signed chain head is not JSON ({exc})") from None
        return cls.from_dict(value)


def sign(
    key: Ed25519PrivateKey, *, tree_size: int, root: bytes, chain_hash: str, at: str
) -> SignedHead:
    pub = public_hex(key)
    unsigned = SignedHead(tree_size, root.hex(), chain_hash, at, pub, fingerprint(pub))
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
    return SignedHead(**{**asdict(unsigned), "signature": signature})


def head_problem(head: SignedHead, pinned_fingerprint: str | None = None) -> str | None:
    """Why ``head`` is not a genuine head (of the pinned key, if one is given), or None."""
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(head.public_key))
    except ValueError:
        return "its public key is not an Ed25519 key"
    if fingerprint(head.public_key) != head.key_fingerprint:
        return "its key fingerprint does not match its public key"
    if pinned_fingerprint is not None and head.key_fingerprint != pinned_fingerprint:
        return f"it is signed by {head.key_fingerprint}, not by {pinned_fingerprint}"
    try:
        public.verify(base64.b64decode(head.signature, validate=True), head.signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return "its signature does not verify (the head was altered or not signed by this key)"
    return None
