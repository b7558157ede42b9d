"""A Merkle tree over the audit chain, so a third party can check what the HMAC seals cannot
show them (decision 0025).

The seals are keyed with a secret only the installation holds. The tree is keyed with
nothing: leaf ``i`` is ``SHA-256(0x00 ‖ hash of event i+1)``, an inner node is
``SHA-256(0x01 ‖ left ‖ right)``, and a tree of ``n`` leaves splits at the largest power of
two below ``n`` (RFC 6962 / RFC 9162, section 2.1). With the signed root of a tree of size
``n`` anyone can check

- an *inclusion proof*: this event hash is leaf ``i`` of that tree (log2 n hashes), and
- a *consistency proof*: the tree of size ``m`` is a prefix of the tree of size ``n``, so a
  head (and every proof against it) stays good after later appends, while any rewrite of
  the first ``m`` events makes the proof fail.

Pure code on bytes and hex strings (hashlib only): the offline verifier imports it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = [
    "MerkleTree",
    "consistency_ok",
    "inclusion_ok",
    "leaf_hash",
    "node_hash",
    "root_of",
]

_LEAF = b"\x00"
_NODE = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(event_hash_hex: str) -> bytes:
    """The leaf for one event: its chain hash (64 hex digits) under the leaf prefix."""
    return hashlib.sha256(_LEAF + bytes.fromhex(event_hash_hex)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """The tree over a list of leaf hashes, with every full level kept so that roots,
    inclusion and consistency proofs cost O(log n) hashes after one O(n) build.

    Levels are built bottom-up, pairing neighbours and lifting an odd last node; that
    yields the same tree as the RFC's recursive split.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        levels: list[list[bytes]] = [list(leaves)]
        sha = hashlib.sha256
        while len(levels[-1]) > 1:
            below = levels[-1]
            pairs = len(below) // 2
            level = [sha(_NODE + below[2 * i] + below[2 * i + 1]).digest() for i in range(pairs)]
            levels.append(level)
        self._levels = levels

    @classmethod
    def of_event_hashes(cls, hashes: Sequence[str]) -> MerkleTree:
        sha = hashlib.sha256
        return cls([sha(_LEAF + bytes.fromhex(h)).digest() for h in hashes])

    def _mth(self, lo: int, hi: int) -> bytes:
        """The root of leaves ``[lo, hi)``; ``lo`` is always aligned to a power of two
        at least as large as the range, as the RFC's splits guarantee."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0:  # a full, aligned subtree: stored
            level = n.bit_length() - 1
            return self._levels[level][lo >> level]
        k = _split(n)
        return node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (all of them by default)."""
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ValueError(f"tree size {n} is outside 0…{self.size}")
        return self._mth(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
        n = self.size if size is None else size
        if not 0 <= index < n <= self.size:
            raise ValueError(f"leaf {index} is not in a tree of size {n}")
        return self._path(index, 0, n)

    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self._mth(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self._mth(lo, lo + k)]

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``old_size`` leaves is a prefix of the one of ``size``."""
        n = self.size if size is None else size
        if not 0 <= old_size <= n <= self.size:
            raise ValueError(f"no consistency proof from size {old_size} to {n}")
        if old_size == 0 or old_size == n:
            return []
        return self._subproof(old_size, 0, n, True)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self._mth(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, whole), self._mth(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self._mth(lo, lo + k)]


def root_of(event_hashes: Sequence[str]) -> bytes:
    return MerkleTree.of_event_hashes(event_hashes).root()


def inclusion_ok(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` put ``leaf`` at ``index`` under ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_ok(
    old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree ``old_root`` of ``old_size`` leaves a prefix
    of the tree ``root`` of ``size`` leaves?"""
    if not 0 <= old_size <= size:
        return False
    if old_size == size:
        return not proof and old_root == root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == root
