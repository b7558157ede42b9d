"""Signed heads from the database (decision 0025): the first walks the whole chain, later
ones only what was appended, holding the rest to the last signed root — and any change
under that root still stops the signing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from likeness.audit import heads_service
from likeness.audit import service as audit
from likeness.audit.heads_service import LAST_HEAD_FILENAME, AuditChainBroken
from likeness.audit.merkle import MerkleTree, consistency_ok, inclusion_ok, leaf_hash
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent


def _append(db: Database, n: int, label: str = "x") -> None:
    with db.unit_of_work() as session:
        for i in range(n):
            audit.record(session, SYSTEM_ACTOR, "test.event", "thing", f"{label}{i}", {"i": i})


def _sign(db: Database, keys: Path) -> heads_service.ChainState:
    with db.unit_of_work() as session:
        return heads_service.signed_state(session, keys)


def _walked(db: Database, keys: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sign a head; return the seqs the verification walked."""
    seen: list[int] = []
    real = audit.verify

    def spy(session: Session, *args: object, **kwargs: object) -> object:
        tap = kwargs.get("tap")
        kwargs["tap"] = lambda e: (seen.append(e.seq), tap(e) if callable(tap) else None)
        return real(session, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "verify", spy)
    _sign(db, keys)
    monkeypatch.setattr(audit, "verify", real)
    return seen


def test_heads_are_incremental_and_every_proof_checks(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(db, 9)
    first = _walked(db, tmp_path, monkeypatch)
    assert first[0] == 1 and (tmp_path / LAST_HEAD_FILENAME).is_file()
    old = json.loads((tmp_path / LAST_HEAD_FILENAME).read_text())
    _append(db, 4, "y")
    walked = _walked(db, tmp_path, monkeypatch)
    assert walked == list(range(old["tree_size"] + 1, old["tree_size"] + 5))
    state = _sign(db, tmp_path)
    with db.unit_of_work() as session:
        hashes = list(session.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq)))
    assert state.tree.root() == MerkleTree.of_event_hashes(hashes).root()
    for seq in (1, old["tree_size"], len(hashes)):
        p = state.inclusion(seq)
        path = [bytes.fromhex(h) for h in p["path"]]
        assert inclusion_ok(leaf_hash(p["event_hash"]), seq - 1, p["tree_size"], path,
                            state.head.root_bytes)  # fmt: skip
    c = state.consistency(old["tree_size"])
    assert consistency_ok(old["tree_size"], state.tree.size, bytes.fromhex(old["root"]),
                          state.head.root_bytes, [bytes.fromhex(h) for h in c["path"]])  # fmt: skip


def test_a_changed_hash_under_the_last_root_falls_back_to_the_full_walk(
    db: Database, tmp_path: Path
) -> None:
    _append(db, 6)
    _sign(db, tmp_path)
    _append(db, 2, "y")
    with db.unit_of_work() as session:  # rewrite event 2 without the key
        session.execute(
            text("UPDATE audit_events SET payload = :p, hash = :h WHERE seq = 2"),
            {"p": '{"i":9}', "h": "ab" * 32},
        )
    with pytest.raises(AuditChainBroken, match="event 2"):
        _sign(db, tmp_path)


def test_an_edited_old_event_is_never_shown_in_a_bundle(db: Database, tmp_path: Path) -> None:
    _append(db, 5)
    _sign(db, tmp_path)
    with db.unit_of_work() as session:  # content edited, stored hash kept: the root holds
        session.execute(
            text("UPDATE audit_events SET payload = :p WHERE seq = 3"), {"p": '{"i":7}'}
        )
    _sign(db, tmp_path)  # the incremental head does not walk event 3…
    with db.unit_of_work() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        with pytest.raises(AuditChainBroken, match="event 3"):
            heads_service.check_events(session, events)  # …but a bundle re-checks its events


def test_a_forged_last_head_file_is_ignored(db: Database, tmp_path: Path) -> None:
    _append(db, 3)
    _sign(db, tmp_path)
    path = tmp_path / LAST_HEAD_FILENAME
    forged = json.loads(path.read_text()) | {"root": "00" * 32}
    path.write_text(json.dumps(forged))
    state = _sign(db, tmp_path)  # the full walk, and a correct root
    with db.unit_of_work() as session:
        hashes = list(session.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq)))
    assert state.head.root_bytes == MerkleTree.of_event_hashes(hashes).root()
