"""Benchmark: releasing a 1080×1350 output (issue 17) — stamp + register + count.

What ``POST /api/v1/outputs/{id}/release`` and ``likeness release`` run, HTTP and CLI
aside: ``output.service.release`` in one unit of work (the release decision under the
output's license, a fresh asset id, ``provenance.stamp`` with the real watermark and a
signed C2PA manifest, ``asset.service.register`` sealing the file into a local blob
store through the intent journal, ``licensing.service.record_release``, the audit
events) and its commit, on SQLite, pinned to one core. Target: median ≤ 0.4 s.

The outputs are made beforehand under a pre-approved license (not timed). The script
prints one table and exits 1 when the target is missed (not in ``--quick`` mode, whose
three releases are only a smoke test).

    python bench/release_stamp.py             # 20 releases
    python bench/release_stamp.py --quick     # 3 releases (CI)
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

TARGET_MEDIAN_S = 0.4
SIZE = (1080, 1350)


def _image(seed: int) -> bytes:
    import numpy as np
    from PIL import Image

    width, height = SIZE
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [60 + 120 * x / width, 70 + 100 * y / height, 120 + 40 * np.sin(x / 37.0)], axis=-1
    )
    pixels = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(out, format="JPEG", quality=92)
    return out.getvalue()


def _world(session: Any, deps: Any) -> dict[str, Any]:
    """Talent, brand, a twin with an active version, a signed creation consent and an
    active pre-approved license: written through the services (the twin rows directly)."""
    from likeness.auth.service import actor_for_user
    from likeness.consent.schemas import CreationConsentCreate
    from likeness.consent.service import Intent
    from likeness.consent.signing import AFFIRMATION
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.kit.clock import utcnow
    from likeness.licensing import service as licensing
    from likeness.licensing.schemas import LicenseRequestIn, TermsChangeIn, TermsIn, TransitionIn
    from likeness.models.base import new_id
    from likeness.models.capture import CaptureSession, CaptureStatus
    from likeness.models.party import Role
    from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
    from likeness.party import service as party
    from likeness.party.schemas import BrandCreate, TalentCreate, UserCreate
    from likeness.twin import service as twins
    from likeness.vault.keys import twin_key_name

    def user(email: str, role: Role) -> Any:
        return party.create_user(
            session, SYSTEM_ACTOR, UserCreate(email=email, display_name=email, role=role)
        )

    talent_user = user("talent@bench.example", Role.talent)
    talent = party.create_talent(
        session, SYSTEM_ACTOR, TalentCreate(user_id=talent_user.id, legal_name="Bench Person")
    )
    brand_user = user("brand@bench.example", Role.brand)
    brand = party.create_brand(session, SYSTEM_ACTOR, BrandCreate(name="Bench Brand"))
    party.add_brand_member(session, SYSTEM_ACTOR, brand.id, brand_user.id)
    as_talent = actor_for_user(session, talent_user, via="bench")
    as_brand = actor_for_user(session, brand_user, via="bench")
    signature = Intent("Bench Person", AFFIRMATION)
    consent = twins.create_creation_consent(
        session,
        as_talent,
        CreationConsentCreate(
            talent_id=talent.id, purpose="Benchmark twin", valid_until=utcnow() + timedelta(days=30)
        ),
    )
    licensing.sign_consent(session, as_talent, consent.id, signature, None)
    capture = CaptureSession(
        id=new_id(), talent_id=talent.id, status=CaptureStatus.qc_passed, encoding="png",
        view_count=1, light_count=1, file_count=0, total_bytes=0, manifest="{}",
    )  # fmt: skip
    twin = Twin(id=new_id(), talent_id=talent.id, status=TwinStatus.active, latest_version=1)
    session.add_all([capture, twin])
    session.flush()
    session.add(
        TwinVersion(
            id=new_id(),
            twin_id=twin.id,
            version=1,
            status=TwinVersionStatus.active,
            session_id=capture.id,
            consent_id=consent.id,
            view_count=1,
            light_count=1,
            width=8,
            height=8,
            metadata_json="{}",
            artifacts="{}",
            qc_report="{}",
        )
    )
    session.flush()
    deps.cipher.create_key(twin_key_name(twin.id))
    now = utcnow()
    terms = TermsIn(
        channels=["instagram"], territories=["FR"], categories=["fashion"],
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=90),
        max_outputs=1000, approval_mode="pre_approved", purpose="Benchmark campaign",
    )  # fmt: skip
    lic = licensing.request(
        session, as_brand, LicenseRequestIn(talent_id=talent.id, brand_id=brand.id, terms=terms)
    )
    licensing.propose(session, as_talent, lic.id, TermsChangeIn(terms=terms))
    licensing.accept(session, as_brand, lic.id, TransitionIn())
    licensing.approve(session, as_talent, lic.id, signature, None)
    return {"brand": brand_user.id, "license": lic.id, "twin": twin.id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 releases (a CI smoke test)")
    parser.add_argument("--count", type=int, default=20, help="releases to time")
    args = parser.parse_args(argv)
    count = 3 if args.quick else args.count
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    import cv2

    cv2.setNumThreads(1)
    from likeness import migrations
    from likeness.audit import service as audit_service
    from likeness.auth.service import actor_for_user
    from likeness.kit.db import Database
    from likeness.models.party import User
    from likeness.output import service
    from likeness.output.schemas import OutputCreate, UseSpec
    from likeness.provenance import StampConfig, ensure_signing_material, library_watermarker
    from likeness.provenance.keys import local_signing_material
    from likeness.storage import FsspecBlobStore
    from likeness.storage.intents import IntentJournal
    from likeness.vault.crypto import FileKeyVault, InMemoryMasterKey, TwinCipher
    from likeness.vault.deps import StorageDeps

    with tempfile.TemporaryDirectory(prefix="likeness-bench-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.db'}"
        migrations.upgrade(url)
        db = Database(url, audit_key=b"k" * 32)
        with db.unit_of_work() as session:
            audit_service.seal_genesis(session)
        deps = StorageDeps(
            FsspecBlobStore(f"file://{root / 'blobs'}"),
            TwinCipher(InMemoryMasterKey(), FileKeyVault(root / "vault")),
            IntentJournal(root / "intents"),
        )
        ensure_signing_material(root / "keys")
        config = StampConfig(
            local_signing_material(root / "keys"), library_watermarker(), secrets.token_bytes(32)
        )
        with db.unit_of_work() as session:
            world = _world(session, deps)
        outputs = []
        for seed in range(count + 1):  # one more: the first release warms the caches
            with db.unit_of_work() as session:
                brand = actor_for_user(session, session.get(User, world["brand"]), via="bench")
                request = OutputCreate(
                    license_id=world["license"], twin_id=world["twin"],
                    use=UseSpec(channel="instagram", territory="FR", category="fashion"),
                    engine="studio", engine_params={"bench": seed},
                )  # fmt: skip
                outputs.append(
                    service.create(session, brand, deps, request, _image(seed), config).id
                )
        wall: list[float] = []
        cpu: list[float] = []
        for n, output_id in enumerate(outputs):
            t0, c0 = time.perf_counter(), time.process_time()
            with db.unit_of_work() as session:
                brand = actor_for_user(session, session.get(User, world["brand"]), via="bench")
                result = service.require_released(
                    service.release(session, brand, deps, output_id, config)
                )
                assert result.license.released_count == n + 1
            if n:
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        median = statistics.median(wall)
        rows = [
            ("releases timed", f"{len(wall)} × {SIZE[0]}×{SIZE[1]} JPEG, one core, SQLite"),
            ("median (stamp + register + count + commit)", f"{median:.3f} s"),
            ("max", f"{max(wall):.3f} s"),
            ("median CPU", f"{statistics.median(cpu):.3f} s"),
            ("target", f"median ≤ {TARGET_MEDIAN_S} s"),
        ]
        width = max(len(k) for k, _ in rows)
        print("release of an output (bench/release_stamp.py)")
        for key, value in rows:
            print(f"  {key.ljust(width)}  {value}")
        db.dispose()
    if not args.quick and median > TARGET_MEDIAN_S:
        print(f"FAIL: median {median:.3f} s > {TARGET_MEDIAN_S} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
