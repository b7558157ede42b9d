"""The offline verifier: no database in reach, and the formats it restates agree with the
modules that define them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from likeness.audit.chain import EventFields, encode_payload, event_hash
from likeness.compliance.errors import BundleUnreadable
from likeness.compliance.proof_check import CONSENT_SIGNATURE_SCHEMA, check_bundle
from likeness.compliance.proof_check import event_hash as restated_event_hash
from likeness.consent.signing import SIGNATURE_SCHEMA


def test_the_verifier_imports_nothing_of_the_database() -> None:
    code = (
        "import sys, likeness.compliance.proof_check\n"
        "bad = [m for m in sys.modules if m == 'sqlalchemy' or m.startswith('sqlalchemy.')"
        " or m.startswith(('likeness.models', 'likeness.kit.db', 'likeness.runtime'))]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_it_restates_the_chain_hash_and_the_consent_signature_schema() -> None:
    fields = EventFields(
        seq=7,
        at=datetime(2026, 12, 7, 12, 30, 1, 123456, tzinfo=UTC),
        actor="talent:a@example.com",
        actor_user_id="u1",
        action="consent.signed",
        object_type="consent",
        object_id="c1",
        payload=encode_payload({"document_sha256": "ab" * 32, "n": 1}),
        prev_hash="cd" * 32,
    )
    exported = {
        **{k: getattr(fields, k) for k in ("seq", "actor", "actor_user_id", "action")},
        "object_type": fields.object_type,
        "object_id": fields.object_id,
        "at": fields.at.isoformat(),
        "payload": json.loads(fields.payload),
        "prev_hash": fields.prev_hash,
    }
    assert restated_event_hash(exported) == event_hash(fields)
    assert CONSENT_SIGNATURE_SCHEMA == SIGNATURE_SCHEMA


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not really", b"%PDF-1.7"])
def test_what_is_no_zip_is_refused(data: bytes) -> None:
    with pytest.raises(BundleUnreadable):
        check_bundle(data)
