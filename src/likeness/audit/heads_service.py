"""Sign the audit chain's head and prove events against it (decision 0025).

A head is signed only over a chain that has just passed the full verification (hashes,
links, HMAC seals, the installation's checkpoint): the events hashed into the Merkle tree
are exactly the events that verification walked, in one snapshot of the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import service
from likeness.audit.chain import EventFields
from likeness.audit.heads import SignedHead, sign, signing_key
from likeness.audit.key import AuditUnavailable
from likeness.audit.merkle import MerkleTree
from likeness.errors import InvalidInput
from likeness.kit.clock import utcnow
from likeness.policy import iso


class AuditChainBroken(AuditUnavailable):
    """The chain does not verify, so no head is signed over it (503)."""


@dataclass
class ChainState:
    """The verified chain at one moment: its signed head and the tree behind it."""

    head: SignedHead
    tree: MerkleTree
    hashes: list[str] = field(repr=False)

    def inclusion(self, seq: int) -> dict[str, Any]:
        """The inclusion proof of event ``seq`` against :attr:`head`, as exported."""
        if not 1 <= seq <= self.tree.size:
            raise InvalidInput(f"event {seq} is not in the chain of {self.tree.size} events")
        proof = self.tree.inclusion_proof(seq - 1)
        return {
            "seq": seq,
            "leaf_index": seq - 1,
            "tree_size": self.tree.size,
            "event_hash": self.hashes[seq - 1],
            "path": [p.hex() for p in proof],
        }

    def consistency(self, old_size: int) -> dict[str, Any]:
        """The proof that the tree of ``old_size`` events is a prefix of :attr:`head`'s."""
        if not 0 <= old_size <= self.tree.size:
            raise InvalidInput(
                f"no consistency proof from {old_size} events: the chain holds {self.tree.size}"
            )
        return {
            "from_size": old_size,
            "from_root": self.tree.root(old_size).hex(),
            "to_size": self.tree.size,
            "path": [p.hex() for p in self.tree.consistency_proof(old_size)],
        }


def signed_state(session: Session, keys_dir: Path) -> ChainState:
    """Verify the whole chain, build the tree over the verified events and sign its head.

    Raises :class:`AuditChainBroken` (naming the first bad event) rather than sign a
    chain that does not verify.
    """
    hashes: list[str] = []

    def keep(event: EventFields) -> None:
        hashes.append(event.hash)

    report = service.verify(session, tap=keep)
    if not report.ok or len(hashes) != report.head_seq:
        raise AuditChainBroken(
            f"the audit chain does not verify (event {report.first_bad_seq}: "
            f"{report.problem}), so no head is signed: run `likeness audit verify`"
        )
    tree = MerkleTree.of_event_hashes(hashes)
    head = sign(
        signing_key(keys_dir),
        tree_size=tree.size,
        root=tree.root(),
        chain_hash=report.head_hash,
        at=iso(utcnow()),
    )
    return ChainState(head, tree, hashes)


def export(state: ChainState, since: Sequence[int] = ()) -> dict[str, Any]:
    """The head file: the signed head, plus consistency proofs from earlier sizes (the
    proofs need no signature: they only verify against the two signed roots)."""
    doc = state.head.to_dict()
    if since:
        doc["consistency"] = [state.consistency(size) for size in sorted(set(since))]
    return doc
