"""Sign the audit chain's head and prove events against it (decision 0025).

A head is signed only over a chain that has just passed the full verification (hashes,
links, HMAC seals, the installation's checkpoint): the events hashed into the Merkle tree
are exactly the events that verification walked, in one snapshot of the database.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import repository, service
from likeness.audit.chain import Checkpoint, EventFields, event_hash, event_seal
from likeness.audit.heads import HeadError, SignedHead, head_problem, public_hex, sign, signing_key
from likeness.audit.key import AuditUnavailable
from likeness.audit.merkle import MerkleTree
from likeness.audit.schemas import ChainReport
from likeness.errors import InvalidInput
from likeness.kit.clock import utcnow
from likeness.kit.files import write_private
from likeness.models.audit import AuditEvent
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


LAST_HEAD_FILENAME = "chain-head.last.json"


def _last_signed(keys_dir: Path, public_key: str) -> SignedHead | None:
    """The last head this installation signed, if its file is intact and ours."""
    try:
        head = SignedHead.parse((keys_dir / LAST_HEAD_FILENAME).read_bytes())
    except (OSError, HeadError):
        return None
    if head.public_key != public_key or head_problem(head) is not None:
        return None
    return head if head.tree_size > 0 else None


def _verified_hashes(
    session: Session, last: SignedHead | None
) -> tuple[list[str], MerkleTree, ChainReport] | None:
    """The hashes of every event, after a verification; None when ``last`` does not hold.

    With ``last``, only the events after it are walked (hashes, links, seals); the events
    up to it are held to its signed Merkle root instead, and to the installation's
    checkpoint when that is not newer.
    """
    after = None if last is None else Checkpoint(last.tree_size, last.chain_hash)
    tail: list[str] = []

    def keep(event: EventFields) -> None:
        tail.append(event.hash)

    report = service.verify(session, tap=keep, after=after)
    if last is None:
        return tail, MerkleTree.of_event_hashes(tail), report
    prefix = repository.event_hashes(session, last.tree_size)
    recorded = service.recorded_checkpoint(session)
    hashes = prefix + tail
    tree = MerkleTree.of_event_hashes(hashes)
    if (
        len(prefix) != last.tree_size
        or tree.root(last.tree_size) != last.root_bytes
        or (
            recorded is not None
            and 0 < recorded.seq <= last.tree_size
            and prefix[recorded.seq - 1] != recorded.hash
        )
    ):
        return None
    return hashes, tree, report


def signed_state(session: Session, keys_dir: Path) -> ChainState:
    """Verify the chain, build the tree over the verified events and sign its head.

    The first head walks the whole chain (hashes, links, HMAC seals, the checkpoint);
    later ones walk only what was appended since the last head signed here
    (``HOME/keys/chain-head.last.json``) and hold the events before it to that head's
    Merkle root — any change to a stored hash changes the root, and falls back to the
    full walk, which names the event. Raises :class:`AuditChainBroken` rather than sign a
    chain that does not verify.
    """
    key = signing_key(keys_dir)
    last = _last_signed(keys_dir, public_hex(key))
    found = _verified_hashes(session, last) if last is not None else None
    if found is None or not found[2].ok:
        found = _verified_hashes(session, None)
    assert found is not None
    hashes, tree, report = found
    if not report.ok or len(hashes) != report.head_seq:
        raise AuditChainBroken(
            f"the audit chain does not verify (event {report.first_bad_seq}: "
            f"{report.problem}), so no head is signed: run `likeness audit verify`"
        )
    head = sign(
        key,
        tree_size=tree.size,
        root=tree.root(),
        chain_hash=report.head_hash,
        at=iso(utcnow()),
    )
    write_private(keys_dir / LAST_HEAD_FILENAME, head.to_json().encode(), overwrite=True)
    return ChainState(head, tree, hashes)


def check_events(session: Session, events: Sequence[AuditEvent]) -> None:
    """Re-hash and re-check the seal of each event about to be shown to a third party
    (an incremental head does not walk old events)."""
    key = service.audit_key(session)
    for event in events:
        fields = EventFields(
            event.seq,
            event.at,
            event.actor,
            event.actor_user_id,
            event.action,
            event.object_type,
            event.object_id,
            event.payload,
            event.prev_hash,
        )
        digest = event_hash(fields)
        if digest != event.hash or not hmac.compare_digest(event_seal(key, digest), event.mac):
            raise AuditChainBroken(
                f"audit event {event.seq} was edited or is not sealed by the audit key: "
                "run `likeness audit verify`"
            )


def export(state: ChainState, since: Sequence[int] = ()) -> dict[str, Any]:
    """The head file: the signed head, plus consistency proofs from earlier sizes (the
    proofs need no signature: they only verify against the two signed roots)."""
    doc = state.head.to_dict()
    if since:
        doc["consistency"] = [state.consistency(size) for size in sorted(set(since))]
    return doc
