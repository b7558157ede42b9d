"""Signing with explicit intent, and the optional Ed25519 signature.

A talent signs by typing their full legal name and the affirmative statement
:data:`AFFIRMATION` (what the NY Fashion Workers Act calls "clear, conspicuous and
separate written consent"). The record keeps the time, the signer and the document's
SHA-256. When the talent has a signing key, the same record is also signed with
Ed25519, so anyone holding the public key can check it without trusting the database.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from likeness.consent.errors import IntentNotShown, SignatureKeyError
from likeness.kit.canonical import canonical_bytes
from likeness.kit.files import write_private
from likeness.policy import iso

AFFIRMATION = "I have read this consent, I understand it, and I agree to it."
SIGNATURE_SCHEMA = "likeness.consent-signature/1"


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFC", text).casefold()
    return " ".join(folded.replace("’", "'").split())


def intent_problems(typed_name: str, statement: str, legal_name: str) -> dict[str, str]:
    """What is wrong with a signer's typed name and statement, by field (``typed_name``,
    ``statement``); empty when both agree. Case, accents' composition and spacing are
    forgiven; different words are not."""
    problems: dict[str, str] = {}
    if _normalise(typed_name) != _normalise(legal_name):
        problems["typed_name"] = "type your full legal name exactly as it appears on the consent"
    if _normalise(statement).rstrip(".") != _normalise(AFFIRMATION).rstrip("."):
        problems["statement"] = f'type the statement "{AFFIRMATION}"'
    return problems


def check_intent(typed_name: str, statement: str, legal_name: str) -> None:
    """Refuse unless the typed name is the talent's legal name and the statement agrees
    (:func:`intent_problems`); the error carries the problems by field."""
    problems = intent_problems(typed_name, statement, legal_name)
    if problems:
        raise IntentNotShown("cannot sign: " + "; ".join(problems.values()), fields=problems)


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    consent_id: str
    document_sha256: str
    signer_user_id: str
    typed_name: str
    statement: str
    signed_at: datetime
    ed25519_signature: str | None = None  # base64
    ed25519_public_key: str | None = None  # hex of the raw 32-byte key

    def payload(self) -> bytes:
        """The bytes the Ed25519 signature covers."""
        return signing_payload(
            self.consent_id,
            self.document_sha256,
            self.signer_user_id,
            self.typed_name,
            self.statement,
            self.signed_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "consent_id": self.consent_id,
            "document_sha256": self.document_sha256,
            "signer_user_id": self.signer_user_id,
            "typed_name": self.typed_name,
            "statement": self.statement,
            "signed_at": iso(self.signed_at),
            "ed25519_signature": self.ed25519_signature,
            "ed25519_public_key": self.ed25519_public_key,
        }


def signing_payload(
    consent_id: str,
    document_sha256: str,
    signer_user_id: str,
    typed_name: str,
    statement: str,
    signed_at: datetime,
) -> bytes:
    return canonical_bytes(
        {
            "schema": SIGNATURE_SCHEMA,
            "consent_id": consent_id,
            "document_sha256": document_sha256,
            "signer_user_id": signer_user_id,
            "typed_name": typed_name,
            "statement": statement,
            "signed_at": iso(signed_at),
        }
    )


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign_record(record: SignatureRecord, key: Ed25519PrivateKey) -> SignatureRecord:
    signature = base64.b64encode(key.sign(record.payload())).decode("ascii")
    return replace(record, ed25519_signature=signature, ed25519_public_key=public_key_hex(key))


def verify_record(record: SignatureRecord) -> bool:
    """True when the record carries a valid Ed25519 signature over its own fields."""
    if not record.ed25519_signature or not record.ed25519_public_key:
        return False
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(record.ed25519_public_key))
        public.verify(base64.b64decode(record.ed25519_signature), record.payload())
    except (InvalidSignature, ValueError):
        return False
    return True


_KEY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class TalentKeyring:
    """Per-talent Ed25519 keys under ``keys_dir/talents/<talent id>.pem`` (mode 0600).

    Talent ids are checked against a strict pattern, so a crafted id cannot reach a
    path outside the key directory.
    """

    def __init__(self, keys_dir: Path) -> None:
        self.directory = keys_dir / "talents"

    def _path(self, talent_id: str) -> Path:
        if not _KEY_NAME.match(talent_id):
            raise SignatureKeyError(f"not a valid talent id for a key file: {talent_id!r}")
        return self.directory / f"{talent_id}.pem"

    def exists(self, talent_id: str) -> bool:
        return self._path(talent_id).exists()

    def create(self, talent_id: str) -> Ed25519PrivateKey:
        path = self._path(talent_id)
        if path.exists():
            return self.load(talent_id)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            write_private(path, pem)
        except FileExistsError:  # made at the same moment by another request: use that one
            return self.load(talent_id)
        return key

    def load(self, talent_id: str) -> Ed25519PrivateKey:
        path = self._path(talent_id)
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise SignatureKeyError(f"cannot read the signing key of talent {talent_id}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SignatureKeyError(f"the signing key of talent {talent_id} is not Ed25519")
        return key
