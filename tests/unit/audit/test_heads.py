"""Signed chain heads (decision 0025): signing, checking, pinning, tampering."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from likeness.audit.heads import (
    HeadError,
    HeadKeyError,
    SignedHead,
    fingerprint,
    head_problem,
    public_hex,
    sign,
    signing_key,
)
from likeness.audit.merkle import MerkleTree


def _head(keys: Path, size: int = 5) -> SignedHead:
    tree = MerkleTree.of_event_hashes([f"{i:064x}" for i in range(1, size + 1)])
    return sign(
        signing_key(keys),
        tree_size=size,
        root=tree.root(),
        chain_hash=f"{size:064x}",
        at="2026-12-07T12:00:00Z",
    )


def test_the_key_is_made_once_privately_and_kept(tmp_path: Path) -> None:
    key = signing_key(tmp_path)
    path = tmp_path / "chain-head.ed25519"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_hex(signing_key(tmp_path)) == public_hex(key)


def test_a_damaged_key_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "chain-head.ed25519").write_bytes(b"not a key")
    with pytest.raises(HeadKeyError, match=r"chain-head\.ed25519"):
        signing_key(tmp_path)


def test_a_signed_head_round_trips_and_verifies(tmp_path: Path) -> None:
    head = _head(tmp_path)
    again = SignedHead.parse(head.to_json())
    assert again == head
    assert head_problem(again) is None
    assert head_problem(again, head.key_fingerprint) is None
    assert head.key_fingerprint == fingerprint(head.public_key)
    assert head.key_fingerprint.startswith("sha256:")


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 6},
        {"root": "0" * 64},
        {"chain_hash": "f" * 64},
        {"at": "2027-01-01T00:00:00Z"},
    ],
)
def test_any_changed_field_breaks_the_signature(tmp_path: Path, change: dict[str, object]) -> None:
    head = replace(_head(tmp_path), **change)  # type: ignore[arg-type]
    assert "signature" in (head_problem(head) or "")


def test_another_key_or_a_swapped_public_key_is_caught(tmp_path: Path) -> None:
    mine, theirs = _head(tmp_path / "a"), _head(tmp_path / "b")
    assert "not by" in (head_problem(theirs, mine.key_fingerprint) or "")
    swapped = replace(mine, public_key=theirs.public_key)
    assert "fingerprint" in (head_problem(swapped) or "")
    resigned = replace(swapped, key_fingerprint=theirs.key_fingerprint)
    assert "signature" in (head_problem(resigned) or "")


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"schema": "other"}', '{"schema": "likeness.chain-head/1"}']
)
def test_what_is_not_a_head_is_refused(text: str) -> None:
    with pytest.raises(HeadError):
        SignedHead.parse(text)


def test_the_exported_file_names_its_schema(tmp_path: Path) -> None:
    doc = json.loads(_head(tmp_path).to_json())
    assert doc["schema"] == "likeness.chain-head/1"
    assert set(doc) >= {"tree_size", "root", "chain_hash", "at", "public_key", "signature"}
