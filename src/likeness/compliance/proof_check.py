"""The offline verifier of proof bundles: `likeness prove --check proof.zip [--head LATER]`.

It trusts nothing but the bytes in front of it and, if the holder pinned one, the head
key's fingerprint. It imports nothing of the database layer (a test holds it to that):
hashes, Ed25519, the Merkle maths, and the C2PA SDK for the released file.

Every check yields a :class:`Finding` that says what that piece proves, or what broke and
in which member; the bundle passes only if every finding is good::

    from likeness.compliance.proof_check import check_bundle

    report = check_bundle(Path("proof.zip").read_bytes())
    for f in report.findings:
        print("OK  " if f.ok else "FAIL", f.piece, f.says)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from likeness.audit.heads import HeadError, SignedHead, head_problem
from likeness.audit.merkle import consistency_ok, inclusion_ok, leaf_hash
from likeness.compliance.errors import BundleUnreadable
from likeness.kit.canonical import canonical_bytes, canonical_sha256

#: The schema of a consent signature's signed bytes (likeness.consent.signing).
CONSENT_SIGNATURE_SCHEMA = "likeness.consent-signature/1"
_UNLISTED = {"manifest.json", "manifest.sig"}


@dataclass(frozen=True)
class Finding:
    ok: bool
    piece: str
    says: str


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)

    @property
    def broken(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def good(self, piece: str, says: str) -> None:
        self.findings.append(Finding(True, piece, says))

    def bad(self, piece: str, says: str) -> None:
        self.findings.append(Finding(False, piece, says))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "findings": [{"ok": f.ok, "piece": f.piece, "says": f.says} for f in self.findings],
        }


def event_hash(event: dict[str, Any]) -> str:
    """The chain hash of an exported event (likeness.audit.chain.event_hash, restated)."""
    return canonical_sha256(
        {
            "seq": event["seq"],
            "at": event["at"],
            "actor": event["actor"],
            "actor_user_id": event["actor_user_id"],
            "action": event["action"],
            "object_type": event["object_type"],
            "object_id": event["object_id"],
            "payload": event["payload"],
            "prev_hash": event["prev_hash"],
        }
    )


class _Bundle:
    """The members of a zip, read one by one so a damaged member is named, not fatal."""

    def __init__(self, data: bytes, report: CheckReport) -> None:
        try:
            self._zip = zipfile.ZipFile(BytesIO(data))
            self.names = [i.filename for i in self._zip.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise BundleUnreadable(f"not a proof bundle: the zip cannot be read ({exc})") from None
        self._report = report
        self._cache: dict[str, bytes | None] = {}

    def read(self, name: str) -> bytes | None:
        if name not in self._cache:
            if name not in self.names:
                self._cache[name] = None
            else:
                try:
                    self._cache[name] = self._zip.read(name)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                    self._report.bad(name, f"unreadable in the zip ({exc})")
                    self._cache[name] = None
        return self._cache[name]

    def json(self, name: str) -> Any:
        raw = self.read(name)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            self._report.bad(name, f"is not JSON ({exc})")
            return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_manifest(b: _Bundle, r: CheckReport, head: SignedHead | None) -> None:
    raw, sig = b.read("manifest.json"), b.read("manifest.sig")
    manifest = b.json("manifest.json")
    if raw is None or not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        r.bad("manifest.json", "missing or not a bundle manifest")
        return
    if head is not None:
        try:
            public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(head.public_key))
            public.verify(base64.b64decode((sig or b"").strip(), validate=True), raw)
        except (InvalidSignature, ValueError, binascii.Error):
            r.bad("manifest.sig", "the manifest's signature does not verify with the head key")
        else:
            if manifest.get("key_fingerprint") != head.key_fingerprint:
                r.bad("manifest.json", "names another head key than audit/head.json")
            else:
                r.good(
                    "manifest.sig",
                    f"the bundle was assembled by the holder of key {head.key_fingerprint}",
                )
    listed: dict[str, Any] = manifest["files"]
    for name in sorted(set(b.names) - _UNLISTED - set(listed)):
        r.bad(name, "is not listed in manifest.json (added to the bundle)")
    altered = False
    for name, digest in sorted(listed.items()):
        body = b.read(name)
        if body is None:
            if name in b.names:
                altered = True  # already named as unreadable
                continue
            r.bad(name, "is listed in manifest.json but missing from the bundle")
            altered = True
        elif _sha(body) != digest:
            r.bad(name, "its SHA-256 differs from manifest.json (the file was altered)")
            altered = True
    if not altered:
        r.good("manifest.json", f"all {len(listed)} files are exactly as assembled")


def _check_head(b: _Bundle, r: CheckReport, pinned: str | None) -> SignedHead | None:
    raw = b.read("audit/head.json")
    if raw is None:
        r.bad("audit/head.json", "missing: nothing can be checked against the chain")
        return None
    try:
        head = SignedHead.parse(raw)
    except HeadError as exc:
        r.bad("audit/head.json", exc.message)
        return None
    problem = head_problem(head, pinned)
    if problem:
        r.bad("audit/head.json", problem)
        return None
    r.good(
        "audit/head.json",
        f"signed head of the audit chain: {head.tree_size} events, root {head.root[:16]}…, "
        f"signed {head.at} by {head.key_fingerprint}",
    )
    return head


def _check_events(b: _Bundle, r: CheckReport, head: SignedHead | None) -> dict[int, dict[str, Any]]:
    events = b.json("audit/events.json")
    proofs = b.json("audit/proofs.json")
    if not isinstance(events, list) or not isinstance(proofs, list):
        r.bad("audit/events.json", "events or their proofs are missing")
        return {}
    by_seq: dict[int, dict[str, Any]] = {}
    proof_of = {p.get("seq"): p for p in proofs if isinstance(p, dict)}
    bad = 0
    for event in events:
        try:
            seq = int(event["seq"])
            if event_hash(event) != event["hash"]:
                r.bad(
                    "audit/events.json", f"event {seq} was altered: it no longer hashes to its hash"
                )
                bad += 1
                continue
            proof = proof_of.get(seq)
            if proof is None:
                r.bad("audit/proofs.json", f"event {seq} has no inclusion proof")
                bad += 1
                continue
            if head is not None and not (
                int(proof["tree_size"]) == head.tree_size
                and inclusion_ok(
                    leaf_hash(event["hash"]),
                    seq - 1,
                    head.tree_size,
                    [bytes.fromhex(p) for p in proof["path"]],
                    head.root_bytes,
                )
            ):
                r.bad("audit/proofs.json", f"event {seq} is not proved to be in the signed chain")
                bad += 1
                continue
        except (KeyError, TypeError, ValueError) as exc:
            r.bad("audit/events.json", f"an event or its proof is malformed ({exc})")
            bad += 1
            continue
        by_seq[seq] = event
    for seq, event in by_seq.items():
        before = by_seq.get(seq - 1)
        if before is not None and event["prev_hash"] != before["hash"]:
            r.bad("audit/events.json", f"event {seq} does not link to event {seq - 1}")
            bad += 1
    if not bad and head is not None:
        r.good(
            "audit/events.json + proofs.json",
            f"{len(by_seq)} audit events are, byte for byte, events of the signed chain "
            f"(inclusion proofs against the head of {head.tree_size} events)",
        )
    return by_seq


def _events_on(
    events: dict[int, dict[str, Any]], object_id: str, action: str
) -> list[dict[str, Any]]:
    return [e for e in events.values() if e["object_id"] == object_id and e["action"] == action]


def _check_consents(
    b: _Bundle, r: CheckReport, events: dict[int, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each consent document, its signature record and the audit events naming it."""
    docs: dict[str, dict[str, Any]] = {}
    stems = sorted(
        n[: -len(".json")]
        for n in b.names
        if n.startswith("consents/") and n.endswith(".json") and n.count(".") == 1
    )
    for stem in stems:
        _guarded(r, f"{stem}.json", _check_consent, b, r, events, stem, docs)
    return docs


def _check_consent(
    b: _Bundle,
    r: CheckReport,
    events: dict[int, dict[str, Any]],
    stem: str,
    docs: dict[str, dict[str, Any]],
) -> None:
    raw = b.read(f"{stem}.json")
    status = b.json(f"{stem}.status.json")
    if raw is None or not isinstance(status, dict):
        r.bad(f"{stem}.json", "the consent or its status record is missing")
        return
    digest = _sha(raw)
    try:
        doc = json.loads(raw)
    except ValueError:
        r.bad(f"{stem}.json", "is not JSON")
        return
    if canonical_bytes(doc) != raw or digest != status.get("document_sha256"):
        r.bad(f"{stem}.json", "the signed document was altered (its digest changed)")
        return
    cid = str(status.get("id"))
    docs[cid] = {"kind": status.get("kind"), "sha256": digest, "doc": doc}
    claims = [f"{status.get('kind')} consent {cid}, document SHA-256 {digest[:16]}…"]
    signature = b.json(f"{stem}.signature.json")
    if isinstance(signature, dict):
        problem = _signature_problem(signature, cid, digest)
        if problem:
            r.bad(f"{stem}.signature.json", problem)
            return
        claims.append(f"signed by {signature['typed_name']!r} at {signature['signed_at']}")
        if signature.get("ed25519_signature"):
            claims.append(f"Ed25519 key {str(signature['ed25519_public_key'])[:16]}…")
    signed = _events_on(events, cid, "consent.signed")
    if any(e["payload"].get("document_sha256") != digest for e in signed):
        r.bad(f"{stem}.json", "the audit chain recorded another document as signed")
        return
    if signed:
        claims.append(f"signature recorded in the chain at event {signed[0]['seq']}")
    r.good(f"{stem}.json", "; ".join(claims))


def _signature_problem(sig: dict[str, Any], consent_id: str, digest: str) -> str | None:
    if sig.get("consent_id") != consent_id or sig.get("document_sha256") != digest:
        return "the signature record names another document"
    if not sig.get("ed25519_signature"):
        return None
    payload = canonical_bytes(
        {
            "schema": CONSENT_SIGNATURE_SCHEMA,
            "consent_id": sig["consent_id"],
            "document_sha256": sig["document_sha256"],
            "signer_user_id": sig["signer_user_id"],
            "typed_name": sig["typed_name"],
            "statement": sig["statement"],
            "signed_at": sig["signed_at"],
        }
    )
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig["ed25519_public_key"]))
        public.verify(base64.b64decode(sig["ed25519_signature"], validate=True), payload)
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return "the talent's Ed25519 signature does not verify"
    return None


def _check_release(
    b: _Bundle,
    r: CheckReport,
    events: dict[int, dict[str, Any]],
    consents: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    asset = b.json("asset.json")
    if not isinstance(asset, dict):
        r.bad("asset.json", "missing")
        return None
    aid = asset.get("id")
    released = [
        e
        for e in events.values()
        if e["action"] == "output.released" and e["payload"].get("asset_id") == aid
    ]
    if not released:
        r.bad("asset.json", f"no proved audit event releases asset {aid}")
        return asset
    payload = released[0]["payload"]
    for key in ("file_sha256", "approval_sha256", "decision_sha256"):
        if payload.get(key) != asset.get(key):
            r.bad("asset.json", f"its {key} differs from the release recorded in the chain")
            return asset
    r.good(
        "asset.json",
        f"asset {aid} (file SHA-256 {str(asset['file_sha256'])[:16]}…) was released at event "
        f"{released[0]['seq']} on channel {asset.get('channel')}",
    )
    use = consents.get(str(asset.get("consent_id")))
    if use is None or use["sha256"] != asset.get("consent_sha256"):
        r.bad("asset.json", "the use consent it was released under is not in the bundle intact")
    decision = b.read("decision.json")
    if decision is None or _sha(decision) != asset.get("decision_sha256"):
        r.bad("decision.json", "is not the decision the release was stamped with")
    else:
        d = json.loads(decision)
        reasons = "; ".join(str(x.get("code")) for x in d.get("reasons", []) if isinstance(x, dict))
        if d.get("decision") != "allow":
            r.bad("decision.json", "the decision it was released under did not allow it")
        else:
            scope = d.get("use") or {}
            r.good(
                "decision.json",
                f"the decision allowed {scope.get('action')} on {scope.get('channel')} in "
                f"{scope.get('territory')} ({scope.get('category')}) under license "
                f"{d.get('license_id')}" + (f"; reasons: {reasons}" if reasons else ""),
            )
    approval = b.read("approval.json")
    if approval is None or _sha(approval) != asset.get("approval_sha256"):
        r.bad("approval.json", "is not the approval the release was stamped with")
    else:
        a = json.loads(approval)
        r.good(
            "approval.json",
            f"approved ({a.get('review_mode')}) by {a.get('reviewer')} at {a.get('approved_at')}",
        )
    _check_license(b, r, events, asset, use)
    return asset


def _check_license(
    b: _Bundle,
    r: CheckReport,
    events: dict[int, dict[str, Any]],
    asset: dict[str, Any],
    use: dict[str, Any] | None,
) -> None:
    lic, terms = b.json("license/license.json"), b.read("license/terms.json")
    if not isinstance(lic, dict) or terms is None:
        r.bad("license/license.json", "the license or its terms are missing")
        return
    if lic.get("id") != asset.get("license_id") or _sha(terms) != lic.get("terms_sha256"):
        r.bad("license/terms.json", "are not the terms of the license the asset was released under")
        return
    if use is not None and use["doc"].get("terms_sha256") not in (None, lic["terms_sha256"]):
        r.bad("license/terms.json", "differ from the terms the talent signed in the use consent")
        return
    history = [e for e in events.values() if e["object_id"] == lic["id"]]
    steps = ", ".join(e["action"].removeprefix("license.") for e in history)
    r.good(
        "license/terms.json",
        f"the terms the talent signed; negotiation in the chain: {steps or 'none recorded'}",
    )


def _check_ledger(b: _Bundle, r: CheckReport, events: dict[int, dict[str, Any]]) -> None:
    lines = b.json("ledger.json")
    if not isinstance(lines, list):
        r.bad("ledger.json", "missing")
        return
    for line in lines:
        try:
            if line["gross"] - line["commission"] - line["platform_fee"] != line["net"]:
                r.bad("ledger.json", f"line {line['id']}: net is not gross less its deductions")
                return
            seq = line.get("source_seq")
            if seq is not None and int(seq) not in events:
                r.bad("ledger.json", f"line {line['id']}: its source event {seq} is not proved")
                return
        except (KeyError, TypeError, ValueError) as exc:
            r.bad("ledger.json", f"a line is malformed ({exc})")
            return
    r.good(
        "ledger.json",
        f"{len(lines)} ledger lines add up, each posted from a proved audit event",
    )


def _check_c2pa(b: _Bundle, r: CheckReport, asset: dict[str, Any] | None) -> None:
    summary = b.json("c2pa/summary.json")
    if not isinstance(summary, dict) or asset is None:
        r.bad("c2pa/summary.json", "missing")
        return
    files = [n for n in b.names if n.startswith("c2pa/released.")]
    if not files:
        r.good(
            "c2pa/summary.json",
            f"the released file is not included ({summary.get('why')}); its SHA-256 is proved "
            "by the release event",
        )
        return
    data = b.read(files[0])
    if data is None:
        return
    if _sha(data) != asset.get("file_sha256"):
        r.bad(files[0], "is not the released file (its SHA-256 differs)")
        return
    from likeness.provenance import read_c2pa, sniff_format  # the C2PA SDK

    fmt = sniff_format(data)
    if fmt is None:
        r.bad(files[0], "is not a JPEG, PNG or WebP image")
        return
    report = read_c2pa(data, fmt, b.read("c2pa/trust-anchors.pem"))
    claims = report.manifest.likeness if report.manifest else None
    if report.state not in ("Trusted", "Valid") or not isinstance(claims, dict):
        r.bad(files[0], f"its C2PA manifest does not validate ({report.state})")
        return
    expected = {
        "asset_id": asset.get("id"),
        "license_id": asset.get("license_id"),
        "approval_sha256": asset.get("approval_sha256"),
        "use_consent_sha256": asset.get("consent_sha256"),
    }
    if any(claims.get(k) != v for k, v in expected.items()):
        r.bad(files[0], "its C2PA manifest names another asset, license, approval or consent")
        return
    r.good(
        files[0],
        f"the released file, with a {report.state} C2PA manifest (validated offline) naming "
        "this asset, license, approval and use consent",
    )


def _check_later(
    r: CheckReport, head: SignedHead | None, later_raw: bytes, pinned: str | None
) -> None:
    piece = "--head"
    try:
        doc = json.loads(later_raw)
        later = SignedHead.from_dict(doc)
    except (ValueError, HeadError) as exc:
        r.bad(piece, f"not a signed chain head ({exc})")
        return
    problem = head_problem(later, pinned or (head.key_fingerprint if head else None))
    if problem or head is None:
        r.bad(piece, problem or "the bundle has no valid head to compare with")
        return
    m, n = head.tree_size, later.tree_size
    if n < m:
        r.bad(piece, f"the later head holds {n} events, fewer than the bundle's {m}")
        return
    entries = [c for c in doc.get("consistency", []) if isinstance(c, dict)]
    entry = next((c for c in entries if c.get("from_size") == m), None)
    path = [bytes.fromhex(p) for p in entry.get("path", [])] if entry else []
    if m != n and entry is None:
        r.bad(
            piece,
            f"carries no consistency proof from {m} events: export it with "
            f"`likeness audit head --sign --since {m}`",
        )
        return
    if not consistency_ok(m, n, head.root_bytes, later.root_bytes, path):
        r.bad(
            piece,
            f"the chain of {n} events does not extend the bundle's chain of {m}: "
            "the log was rewritten after the bundle's head was signed",
        )
        return
    r.good(
        piece,
        f"the later head ({n} events, signed {later.at}) extends the bundle's head: nothing "
        "proved here was rewritten since",
    )


def _guarded(r: CheckReport, piece: str, check: Callable[..., Any], *args: Any) -> Any:
    """Run one check; a member whose content is malformed becomes a finding, not a crash."""
    try:
        return check(*args)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        r.bad(piece, f"is malformed ({type(exc).__name__}: {exc})")
        return None


def check_bundle(
    data: bytes, later_head: bytes | None = None, pinned_fingerprint: str | None = None
) -> CheckReport:
    """Re-check every hash and signature of a proof bundle; never raises for a damaged
    member (it becomes a finding), only for a file that is no zip at all."""
    report = CheckReport()
    b = _Bundle(data, report)
    head = _check_head(b, report, pinned_fingerprint)
    _check_manifest(b, report, head)
    events = _guarded(report, "audit/events.json", _check_events, b, report, head) or {}
    consents = _check_consents(b, report, events)
    asset = _guarded(report, "asset.json", _check_release, b, report, events, consents)
    _guarded(report, "ledger.json", _check_ledger, b, report, events)
    _guarded(report, "c2pa/summary.json", _check_c2pa, b, report, asset)
    if later_head is not None:
        _check_later(report, head, later_head, pinned_fingerprint)
    return report
