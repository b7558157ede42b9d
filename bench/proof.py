"""Benchmark proofs and signed heads (issue 23, decision 0025).

* **merkle root** — the RFC 6962 root over N event hashes, in memory (the tree is built
  level by level; every inclusion and consistency proof after it costs log2 N hashes).
* **signed head** — ``heads_service.signed_state``: the full chain verification (hashes,
  links, HMAC seals) over N events in the database, the tree over the verified events,
  the Ed25519 signature: what `likeness audit head --sign` and every bundle do.
* **proof bundle** — ``likeness prove``'s service for one release on a chain of N events
  (consents rendered to PDF, C2PA read back, inclusion proofs, zip); the first bundle of
  a process pays the PDF library's import and is shown apart.
* **check bundle** — the offline verifier over that bundle (C2PA validated by the SDK).

The release is made through the real services (the test suite's helpers, on SQLite with
in-memory storage); the N-event chain is then extended with sealed filler events written
in bulk before the clock starts. Targets: a bundle ≤ 2 s, the root over 100,000 events
≤ 1 s. The first signed head walks the whole chain; bundles after it sign incrementally
(decision 0025). CPU seconds beside the wall time say what a busy machine hid. Prints
one table; exits 1 when a target is missed (not with ``--quick``).

    python bench/proof.py            # 100,000 events
    python bench/proof.py --quick    # 5,000 events (CI)
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import exit_status, load_average, print_table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

TARGET_BUNDLE_S = 2.0
TARGET_ROOT_S = 1.0
HEADER = ["case", "events", "measured", "target", ""]


def _row(
    case: str, events: int, seconds: float, target: float | None, cpu: float | None = None
) -> list[str]:
    verdict = "" if target is None else ("ok" if seconds <= target else "MISSED")
    limit = "" if target is None else f"≤ {target:.1f} s"
    measured = f"{seconds:.3f} s" + (f" ({cpu:.3f} CPU-s)" if cpu is not None else "")
    return [case, f"{events:,}", measured, limit, verdict]


def bench_root(events: int) -> list[str]:
    from likeness.audit.merkle import MerkleTree

    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(events)]
    start = time.perf_counter()
    tree = MerkleTree.of_event_hashes(hashes)
    tree.root()
    elapsed = time.perf_counter() - start
    return _row("merkle root", events, elapsed, TARGET_ROOT_S if events >= 100_000 else None)


def _pad(db: Any, key: bytes, events: int) -> None:
    """Extend the chain with sealed filler events, written in bulk."""
    from sqlalchemy import insert, select

    from likeness.audit.chain import EventFields, encode_payload, event_hash, event_seal, head_seal
    from likeness.kit.clock import utcnow
    from likeness.models.audit import AuditEvent, AuditHead

    with db.unit_of_work() as session:
        head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
        seq, prev, at = head.seq, head.hash, utcnow()
        rows: list[dict[str, Any]] = []
        for n in range(events - seq):
            seq += 1
            fields = EventFields(
                seq, at + timedelta(microseconds=n), "operator:bench", None, "bench.filler",
                "bench", f"f{seq}", encode_payload({"n": n}), prev,
            )  # fmt: skip
            digest = event_hash(fields)
            rows.append({**vars(fields), "hash": digest, "mac": event_seal(key, digest)})
            prev = digest
            if len(rows) == 5_000:
                session.execute(insert(AuditEvent), rows)
                rows = []
        if rows:
            session.execute(insert(AuditEvent), rows)
        head.seq, head.hash, head.mac = seq, prev, head_seal(key, seq, prev)


def bench_bundle(events: int) -> list[list[str]]:
    from integration import output_support as support
    from integration import proof_support
    from integration.test_license_support import make_world
    from likeness import migrations
    from likeness.audit import heads_service
    from likeness.audit import service as audit
    from likeness.compliance import bundle
    from likeness.compliance.proof_check import check_bundle
    from likeness.kit.db import Database
    from likeness.storage import MemoryBlobStore
    from likeness.storage.intents import IntentJournal
    from likeness.vault.crypto import InMemoryMasterKey, MemoryKeyVault, TwinCipher
    from likeness.vault.deps import StorageDeps

    rows = []
    with tempfile.TemporaryDirectory(prefix="likeness-bench-proof-") as folder:
        url = f"sqlite:///{Path(folder) / 'proof.db'}"
        keys = Path(folder) / "keys"
        migrations.upgrade(url)
        key = secrets.token_bytes(32)
        db = Database(url, audit_key=key)
        deps = StorageDeps(
            MemoryBlobStore(),
            TwinCipher(InMemoryMasterKey(), MemoryKeyVault()),
            IntentJournal(Path(folder) / "intents"),
        )
        try:
            with db.unit_of_work() as session:
                audit.seal_genesis(session)
                world = make_world(session)
                s = support.setup(session, world, deps, support.stamp_config(keys))
                asset_id = proof_support.release(session, deps, s).id
                brand = world.actor(session, "brand")
            _pad(db, key, events)
            start = time.perf_counter()
            with db.unit_of_work() as session:
                heads_service.signed_state(session, keys)
            rows.append(_row("signed head (verify + tree + sign)", events,
                             time.perf_counter() - start, None))  # fmt: skip
            for case in ("proof bundle, first in process", "proof bundle"):
                cpu = time.process_time()
                start = time.perf_counter()
                with db.unit_of_work() as session:
                    made = bundle.build(session, brand, deps, keys, asset_id)
                elapsed = time.perf_counter() - start
                cpu = time.process_time() - cpu
                target = TARGET_BUNDLE_S if case == "proof bundle" else None
                rows.append(_row(case, events, elapsed, target, cpu))
            start = time.perf_counter()
            report = check_bundle(made.data)
            rows.append(_row("check bundle (offline)", events, time.perf_counter() - start, None))
            assert report.ok, report.broken
        finally:
            db.dispose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 events (a CI smoke test)")
    parser.add_argument("--events", type=int, default=None)
    args = parser.parse_args()
    events = args.events or (5_000 if args.quick else 100_000)
    rows = [bench_root(events), *bench_bundle(events)]
    print(f"load average {load_average()}")
    print_table(HEADER, rows, rule=True)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
