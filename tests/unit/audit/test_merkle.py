"""The Merkle maths of decision 0025, against a naive RFC 6962 reference."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_ok,
    inclusion_ok,
    leaf_hash,
    node_hash,
)


def _hashes(n: int, salt: int = 0) -> list[str]:
    return [hashlib.sha256(f"{salt}:{i}".encode()).hexdigest() for i in range(n)]


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH of RFC 6962 section 2.1, written as the RFC reads."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def test_known_answer_for_two_events() -> None:
    a, b = _hashes(2)
    la = hashlib.sha256(b"\x00" + bytes.fromhex(a)).digest()
    lb = hashlib.sha256(b"\x00" + bytes.fromhex(b)).digest()
    assert leaf_hash(a) == la
    assert MerkleTree.of_event_hashes([a, b]).root() == hashlib.sha256(b"\x01" + la + lb).digest()
    assert MerkleTree([]).root() == EMPTY_ROOT


@given(st.integers(min_value=0, max_value=70))
def test_root_matches_the_rfc_definition_for_every_size(n: int) -> None:
    tree = MerkleTree.of_event_hashes(_hashes(n))
    leaves = [leaf_hash(h) for h in _hashes(n)]
    assert tree.root() == _reference_root(leaves)
    for m in range(n + 1):
        assert tree.root(m) == _reference_root(leaves[:m])


@given(st.data())
def test_every_inclusion_proof_verifies_and_any_change_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=80))
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    size = data.draw(st.integers(min_value=i + 1, max_value=n))
    tree = MerkleTree.of_event_hashes(_hashes(n))
    leaf, root = tree._levels[0][i], tree.root(size)
    proof = tree.inclusion_proof(i, size)
    assert inclusion_ok(leaf, i, size, proof, root)
    # Another leaf, index, size or root fails.
    assert not inclusion_ok(leaf_hash(_hashes(1, salt=9)[0]), i, size, proof, root)
    if size > 1:
        assert not inclusion_ok(leaf, (i + 1) % size, size, proof, root)
    assert not inclusion_ok(leaf, i, size, proof, node_hash(root, root))
    # Any flipped bit of any proof element fails; so do a dropped or an added element.
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
        assert not inclusion_ok(leaf, i, size, bad, root)
    if proof:
        assert not inclusion_ok(leaf, i, size, proof[:-1], root)
    assert not inclusion_ok(leaf, i, size, [*proof, root], root)


@given(st.data())
def test_every_consistency_proof_verifies_and_any_change_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=80))
    m = data.draw(st.integers(min_value=1, max_value=n))
    tree = MerkleTree.of_event_hashes(_hashes(n))
    old, new = tree.root(m), tree.root(n)
    proof = tree.consistency_proof(m, n)
    assert consistency_ok(m, n, old, new, proof)
    for j in range(len(proof)):
        bad = list(proof)
        bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
        assert not consistency_ok(m, n, old, new, bad)
    if m < n:
        assert not consistency_ok(m, n, node_hash(old, old), new, proof)
        assert not consistency_ok(m, n, old, node_hash(new, new), proof)
        if m > 1:
            assert not consistency_ok(m - 1, n, old, new, proof)


@given(st.data())
def test_a_rewritten_prefix_breaks_consistency(data: st.DataObject) -> None:
    """A database rewrite of any of the first m events after a head of size m was
    exported: no proof from the rewritten tree links the old head to the new one."""
    n = data.draw(st.integers(min_value=1, max_value=60))
    m = data.draw(st.integers(min_value=1, max_value=n))
    j = data.draw(st.integers(min_value=0, max_value=m - 1))
    hashes = _hashes(n)
    old_root = MerkleTree.of_event_hashes(hashes).root(m)
    rewritten = list(hashes)
    rewritten[j] = _hashes(1, salt=7)[0]
    tree = MerkleTree.of_event_hashes(rewritten)
    assert not consistency_ok(m, n, old_root, tree.root(n), tree.consistency_proof(m, n))


def test_sizes_outside_the_tree_are_refused() -> None:
    tree = MerkleTree.of_event_hashes(_hashes(5))
    with pytest.raises(ValueError):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError):
        tree.consistency_proof(6)
    with pytest.raises(ValueError):
        tree.root(6)
    assert not inclusion_ok(tree.root(), 0, 0, [], tree.root())
    assert not consistency_ok(3, 2, tree.root(3), tree.root(2), [])
