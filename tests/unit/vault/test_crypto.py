from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from likeness.storage import MemoryBlobStore
from likeness.vault.crypto import (
    FileKeyVault,
    InMemoryMasterKey,
    KmsMasterKey,
    LocalMasterKey,
    MemoryKeyVault,
    TwinCipher,
    generate_master_key,
)
from likeness.vault.errors import DecryptionFailed, KeyShredded, KeyUnavailable


@pytest.fixture
def cipher() -> TwinCipher:
    return TwinCipher(InMemoryMasterKey(), MemoryKeyVault())


def test_round_trip_and_binding_to_twin_and_role(cipher: TwinCipher) -> None:
    cipher.create_key("twinA")
    cipher.create_key("twinB")
    sealed = cipher.encrypt("twinA", b"olat basis", role="basis/view0")
    assert b"olat basis" not in sealed
    assert cipher.decrypt("twinA", sealed, role="basis/view0") == b"olat basis"
    with pytest.raises(DecryptionFailed, match="altered or misplaced"):
        cipher.decrypt("twinA", sealed, role="basis/view1")
    with pytest.raises(DecryptionFailed):
        cipher.decrypt("twinB", sealed, role="basis/view0")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        cipher.decrypt("twinA", tampered, role="basis/view0")


def test_each_encryption_is_fresh(cipher: TwinCipher) -> None:
    cipher.create_key("t")
    assert cipher.encrypt("t", b"x", role="r") != cipher.encrypt("t", b"x", role="r")


def test_crypto_shredding_survives_a_database_backup(tmp_path: Path) -> None:
    """After deletion the blobs stay unreadable even with every copy an attacker keeps.

    The "database backup" is everything the database holds about the twin (its id and
    blob keys, taken before deletion); the blob store is copied before deletion too, and
    the attacker even has the master key. Only the vault entry is gone.
    """
    master_path = tmp_path / "keys" / "master.key"
    generate_master_key(master_path)
    vault = FileKeyVault(tmp_path / "keys" / "twins")
    cipher = TwinCipher(LocalMasterKey.from_file(master_path), vault)
    blobs = MemoryBlobStore()
    cipher.create_key("twin1")
    secret = b"\x89PNG face pixels"
    backup_row = {"twin_id": "twin1", "blob": blobs.put(cipher.encrypt("twin1", secret, role="r"))}
    stolen_blob = blobs.get(backup_row["blob"])
    assert cipher.decrypt("twin1", stolen_blob, role="r") == secret

    assert cipher.shred("twin1") is True
    assert list((tmp_path / "keys" / "twins").iterdir()) == []
    restored = TwinCipher(LocalMasterKey.from_file(master_path), vault)
    with pytest.raises(KeyShredded, match="crypto-shredded"):
        restored.decrypt(backup_row["twin_id"], stolen_blob, role="r")
    # A fresh key under the same twin id does not revive the old data either.
    restored.create_key("twin1")
    with pytest.raises(DecryptionFailed):
        restored.decrypt("twin1", stolen_blob, role="r")
    assert cipher.shred("nobody") is False


def test_master_key_file_is_private_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "k" / "master.key"
    assert generate_master_key(path) is True
    first = path.read_bytes()
    assert generate_master_key(path) is False
    assert path.read_bytes() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32
    encoded = tmp_path / "b64.key"
    encoded.write_text(base64.b64encode(first).decode())
    sealed = TwinCipher(LocalMasterKey.from_file(path), vault := MemoryKeyVault())
    sealed.create_key("t")
    TwinCipher(LocalMasterKey.from_file(encoded), vault).encrypt("t", b"x", role="r")


def test_wrong_or_missing_master_key_is_a_clear_error(tmp_path: Path) -> None:
    vault = MemoryKeyVault()
    TwinCipher(InMemoryMasterKey(), vault).create_key("t")
    with pytest.raises(KeyUnavailable, match="wrong master key"):
        TwinCipher(InMemoryMasterKey(), vault).encrypt("t", b"x", role="r")
    with pytest.raises(KeyUnavailable, match="likeness init"):
        LocalMasterKey.from_file(tmp_path / "absent.key")
    bad = tmp_path / "bad.key"
    bad.write_text("not base64!")
    with pytest.raises(KeyUnavailable, match="neither 32 bytes nor base64"):
        LocalMasterKey.from_file(bad)


def test_kms_callbacks_receive_the_context() -> None:
    inner = InMemoryMasterKey()
    seen: list[bytes] = []

    def wrap(key: bytes, context: bytes) -> bytes:
        seen.append(context)
        return inner.wrap(key, context)

    kms = KmsMasterKey("arn:kms:test", wrap, inner.unwrap)
    cipher = TwinCipher(kms, MemoryKeyVault())
    cipher.create_key("t9")
    assert cipher.decrypt("t9", cipher.encrypt("t9", b"ok", role="r"), role="r") == b"ok"
    assert seen == [b"likeness/twin-key/t9"]


def test_vault_names_cannot_escape(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="key names"):
        FileKeyVault(tmp_path).put("../x", b"k")
