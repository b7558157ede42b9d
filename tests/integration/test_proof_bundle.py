"""Proof bundles (issue 23, decision 0025): what a bundle holds, that the offline verifier
passes it, names every tampered member, holds it to later heads, catches a rewrite of the
log, and still proves the release of a twin that was crypto-shredded since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import TEST_AUDIT_KEY
from integration import output_support as support
from integration import proof_support as proof
from integration.test_license_support import World
from likeness.audit import heads_service
from likeness.compliance import bundle
from likeness.compliance.errors import NotProvable
from likeness.compliance.proof_check import check_bundle
from likeness.errors import NotFound
from likeness.licensing import service as licensing
from likeness.models.audit import AuditEvent
from likeness.models.twin import TwinVersion
from likeness.provenance import StampConfig
from likeness.vault.deps import StorageDeps


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def config(keys_dir: Path) -> StampConfig:
    return support.stamp_config(keys_dir)


@pytest.fixture
def s(session: Session, world: World, deps: StorageDeps, config: StampConfig) -> support.Setup:
    return support.setup(session, world, deps, config)


def test_a_bundle_holds_every_piece_and_verifies_offline(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    asset = proof.release(session, deps, s)
    made = bundle.build(session, s.world.actor(session, "brand"), deps, keys_dir, asset.id)
    files = proof.members(made.data)
    names = set(files)
    kinds = {n.split("-")[0] for n in names if n.startswith("consents/")}
    assert kinds == {"consents/creation", "consents/use"}
    assert {n.rsplit(".", 1)[-1] for n in names if n.startswith("consents/")} == {"json", "pdf"}
    assert any(n.endswith(".signature.json") for n in names)
    pdfs = [body for n, body in files.items() if n.endswith(".pdf")]
    assert len(pdfs) == 2 and all(p.startswith(b"%PDF") for p in pdfs)
    for member in (
        "asset.json", "decision.json", "approval.json", "license/license.json",
        "license/terms.json", "license/history.json", "ledger.json", "c2pa/summary.json",
        "audit/events.json", "audit/proofs.json", "audit/head.json", "audit/public-key.pem",
        "manifest.json", "manifest.sig",
    ):  # fmt: skip
        assert member in names, member
    assert any(n.startswith("c2pa/released.") for n in names)
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == names - {"manifest.json", "manifest.sig"}
    ledger = json.loads(files["ledger.json"])
    kinds = {line["kind"] for line in ledger}
    assert {"creation_fee", "output_fee"} <= kinds
    for line in ledger:
        assert {"gross", "commission", "net", "due_on", "paid_on"} <= set(line)
    actions = {e["action"] for e in json.loads(files["audit/events.json"])}
    assert {"output.released", "output.approved", "consent.signed", "asset.registered"} <= actions
    history = json.loads(files["license/history.json"])
    assert history and all(h["action"].startswith("license.") for h in history)
    assert json.loads(files["decision.json"])["decision"] == "allow"

    report = check_bundle(made.data)
    assert report.ok, report.broken
    proved = {f.piece for f in report.findings}
    assert {"audit/head.json", "manifest.json", "decision.json", "approval.json"} <= proved
    assert any(p.startswith("c2pa/released.") for p in proved)
    assert any("Trusted" in f.says for f in report.findings)


def test_flipping_a_byte_of_any_member_is_named(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    asset = proof.release(session, deps, s)
    data = bundle.build(session, s.world.actor(session, "brand"), deps, keys_dir, asset.id).data
    for name, body in proof.members(data).items():
        middle = len(body) // 2
        flipped = body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1 :]
        report = check_bundle(proof.with_member(data, name, flipped))
        assert not report.ok, name
        assert name in {f.piece for f in report.broken}, (name, report.broken)
    # A member added to the bundle, or one taken out, is named too.
    report = check_bundle(proof.with_member(data, "extra.txt", b"trust me"))
    assert "extra.txt" in {f.piece for f in report.broken}


def test_a_bundle_verifies_against_a_later_head_after_legitimate_appends(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    asset = proof.release(session, deps, s)
    data = bundle.build(session, s.world.actor(session, "brand"), deps, keys_dir, asset.id).data
    size = json.loads(proof.members(data)["audit/head.json"])["tree_size"]
    proof.release(session, deps, s, seed=3)  # more events appended since
    state = heads_service.signed_state(session, keys_dir)
    assert state.head.tree_size > size
    later = json.dumps(heads_service.export(state, [size])).encode()
    report = check_bundle(data, later)
    assert report.ok, report.broken
    assert any(f.piece == "--head" and f.ok for f in report.findings)
    # Without the consistency proof the later head cannot vouch for the bundle.
    bare = json.dumps(heads_service.export(state)).encode()
    assert "--head" in {f.piece for f in check_bundle(data, bare).broken}


def test_a_rewrite_of_the_log_after_a_head_was_exported_is_caught(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    asset = proof.release(session, deps, s)
    data = bundle.build(session, s.world.actor(session, "brand"), deps, keys_dir, asset.id).data
    size = json.loads(proof.members(data)["audit/head.json"])["tree_size"]
    # Someone with the database and the audit key rewrites an old event and reseals all.
    first = session.get(AuditEvent, 1)
    assert first is not None
    proof.rewrite_event(session, 1, TEST_AUDIT_KEY)
    state = heads_service.signed_state(session, keys_dir)  # the HMAC walk is satisfied
    later = json.dumps(heads_service.export(state, [size])).encode()
    report = check_bundle(data, later)
    assert "--head" in {f.piece for f in report.broken}
    assert "rewritten" in next(f.says for f in report.broken if f.piece == "--head")


def test_a_shredded_twin_still_yields_a_proof_without_biometric_data(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    asset = proof.release(session, deps, s)
    talent = s.world.actor(session, "talent")
    creation = session.scalars(
        select(TwinVersion.consent_id).where(TwinVersion.twin_id == asset.twin_id)
    ).one()
    _, shredded = licensing.revoke_consent(session, talent, deps, creation, "I withdraw")
    assert asset.twin_id in shredded
    session.commit()  # the keys are destroyed once the revocation commits
    made = bundle.build(session, talent, deps, keys_dir, asset.id)
    files = proof.members(made.data)
    assert not any(n.startswith("c2pa/released.") for n in files)
    summary = json.loads(files["c2pa/summary.json"])
    assert summary["file_included"] is False
    report = check_bundle(made.data)
    assert report.ok, report.broken
    statuses = [json.loads(b) for n, b in files.items() if n.endswith(".status.json")]
    assert any(st["status"] == "revoked" for st in statuses)
    # No biometric data: only documents, digests and (when readable) the released image.
    allowed = ("consents/", "license/", "audit/", "c2pa/", "asset.json", "decision.json",
               "approval.json", "ledger.json", "manifest.")  # fmt: skip
    assert all(n.startswith(allowed) for n in files)
    blob = b"".join(files.values())
    assert b"embedding" not in blob and b"capture_sessions" not in blob


def test_only_the_parties_of_the_asset_may_prove_it(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    asset = proof.release(session, deps, s)
    for who in ("brand", "talent", "agent", "operator"):
        assert bundle.build(session, s.world.actor(session, who), deps, keys_dir, asset.id).data
    with pytest.raises(NotFound):
        bundle.build(session, s.world.actor(session, "stranger_agent"), deps, keys_dir, asset.id)


def test_a_preview_is_not_provable(
    session: Session, deps: StorageDeps, s: support.Setup, keys_dir: Path
) -> None:
    out = support.create(session, deps, s)
    assert out.preview_asset_id is not None
    with pytest.raises(NotProvable):
        bundle.build(
            session, s.world.actor(session, "operator"), deps, keys_dir, out.preview_asset_id
        )
