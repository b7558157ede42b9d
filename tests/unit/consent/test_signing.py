"""Intent checks, signature records and per-talent Ed25519 keys."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from likeness.consent.errors import IntentNotShown, SignatureKeyError
from likeness.consent.signing import (
    AFFIRMATION,
    SignatureRecord,
    TalentKeyring,
    check_intent,
    public_key_hex,
    sign_record,
    verify_record,
)

RECORD = SignatureRecord(
    consent_id="c1",
    document_sha256="a" * 64,
    signer_user_id="u1",
    typed_name="Zoë Dupont",
    statement=AFFIRMATION,
    signed_at=datetime(2027, 1, 1, 12, tzinfo=UTC),
)


def test_intent_accepts_the_name_and_statement_with_harmless_differences() -> None:
    check_intent("  zoë   DUPONT ", AFFIRMATION.upper().rstrip("."), "Zoë Dupont")
    check_intent("Zoe\u0308 Dupont", AFFIRMATION, "Zoë Dupont")  # decomposed ë


@pytest.mark.parametrize(
    ("name", "statement", "fragment"),
    [
        ("Zoe Dupont", AFFIRMATION, "full legal name"),
        ("Z. Dupont", AFFIRMATION, "full legal name"),
        ("Zoë Dupont", "ok", "type the statement"),
        ("Zoë Dupont", "", "type the statement"),
        ("", "I agree", "on the consent; type the statement"),
    ],
)
def test_intent_refuses_anything_else(name: str, statement: str, fragment: str) -> None:
    with pytest.raises(IntentNotShown, match=fragment):
        check_intent(name, statement, "Zoë Dupont")


def test_signed_record_verifies_and_any_change_breaks_it(tmp_path: Path) -> None:
    key = TalentKeyring(tmp_path).create("t1")
    signed = sign_record(RECORD, key)
    assert signed.ed25519_public_key == public_key_hex(key)
    assert verify_record(signed)
    for change in (
        {"document_sha256": "b" * 64},
        {"typed_name": "Someone Else"},
        {"signed_at": datetime(2027, 1, 2, tzinfo=UTC)},
        {"signer_user_id": "u2"},
    ):
        assert not verify_record(replace(signed, **change))  # type: ignore[arg-type]
    other = TalentKeyring(tmp_path).create("t2")
    assert not verify_record(replace(signed, ed25519_public_key=public_key_hex(other)))
    assert not verify_record(replace(signed, ed25519_signature="not base64!"))


def test_unsigned_record_does_not_verify() -> None:
    assert not verify_record(RECORD)
    assert RECORD.to_dict()["signed_at"] == "2027-01-01T12:00:00Z"


def test_keyring_creates_private_files_once(tmp_path: Path) -> None:
    ring = TalentKeyring(tmp_path)
    assert not ring.exists("t1")
    key = ring.create("t1")
    path = tmp_path / "talents" / "t1.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_hex(ring.create("t1")) == public_key_hex(key)
    assert public_key_hex(ring.load("t1")) == public_key_hex(key)


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", "x" * 65])
def test_keyring_refuses_ids_that_could_escape_the_directory(tmp_path: Path, bad: str) -> None:
    with pytest.raises(SignatureKeyError, match="not a valid talent id"):
        TalentKeyring(tmp_path).create(bad)


def test_unreadable_key_is_a_clear_error(tmp_path: Path) -> None:
    ring = TalentKeyring(tmp_path)
    with pytest.raises(SignatureKeyError, match="cannot read"):
        ring.load("missing")
    (tmp_path / "talents").mkdir()
    (tmp_path / "talents" / "t9.pem").write_text("garbage")
    with pytest.raises(SignatureKeyError, match="cannot read"):
        ring.load("t9")


def test_intent_problems_name_the_fields() -> None:
    from likeness.consent.signing import AFFIRMATION, intent_problems

    assert intent_problems("ada  OKAFOR", AFFIRMATION.upper(), "Ada Okafor") == {}
    assert set(intent_problems("Ada", AFFIRMATION, "Ada Okafor")) == {"typed_name"}
    assert set(intent_problems("Ada Okafor", "I agree", "Ada Okafor")) == {"statement"}
    assert set(intent_problems("", "", "Ada Okafor")) == {"typed_name", "statement"}
