"""`likeness doctor`: find and repair what disagrees between database, keys and blobs.

Retirement and consent revocation work from rows, so anything stored without a row
(a key in the vault, a sealed blob) would outlive the talent's revocation. The doctor
compares the three stores and says what it finds:

==================  ==============================================  =====================
finding             what it is                                      ``--repair`` does
==================  ==============================================  =====================
stale_intent        an ingest/build died (journal left, unlocked)   undo it, or close it
                                                                    if it had committed
live_intent         an ingest/build is running now                  nothing
orphan_key          a data key no row owns (older than the grace)   shred it
orphan_blob         a blob no row references (older than grace)     delete it
stray_temp          a half-written blob a crashed writer left       delete it
row_without_key     a row whose data key is gone (data unreadable)  mark it shredded
missing_blob        a row names a blob the store lacks              nothing (report)
unknown_key         a vault entry this version does not know        nothing (report)
unreadable_intent   a journal that cannot be parsed                 nothing (report)
==================  ==============================================  =====================

Keys and blobs named by an intent are the intent's business, never orphans; items
younger than the grace period are left alone (something may be writing them without
an intent). Every repair writes an audit event. :func:`recover_intents` is the safe
subset that every start runs (:mod:`likeness.system.recovery`): only intents whose owner
is gone (their lock is free).

Safety: when no key in the vault belongs to any row of the database, yet there are
orphans or rows without keys, the database and the data home probably do not belong
together (a mistyped ``LIKENESS_DATABASE_URL``); :func:`repair` then refuses to touch
keys, blobs or rows unless forced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.cli import ExitCode
from likeness.kit.db import Database
from likeness.models.asset import Asset, AssetStatus
from likeness.models.capture import CaptureFile, CaptureSession, TalentReference
from likeness.models.generation import FINISHED as GENERATION_FINISHED
from likeness.models.generation import GenerationRequest
from likeness.models.output import Output, OutputStatus
from likeness.models.relight import PriorStatus, RelightPriorRecord
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
from likeness.storage import BlobInventory
from likeness.storage.intents import ClaimedIntent, IntentRecord
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import capture_key_name, reference_key_name, twin_key_name

#: Default age below which keys and blobs without a row are left alone.
DEFAULT_GRACE_S = 15 * 60
KEY_PREFIXES = ("capture-", "twin-", "reference-", "prior-")
#: Findings that are normal (something is being written right now).
INFORMATIONAL = frozenset({"live_intent"})
#: Exit codes of `likeness doctor`.
EXIT_CLEAN = ExitCode.OK
EXIT_FINDINGS = ExitCode.NEGATIVE

_ROW_MODELS: dict[str, Any] = {
    "capture_sessions": CaptureSession,
    "twin_versions": TwinVersion,
    "twins": Twin,
    "talent_references": TalentReference,
    "outputs": Output,
    "assets": Asset,
    "generation_requests": GenerationRequest,
    "relight_priors": RelightPriorRecord,
}


@dataclass
class Finding:
    code: str
    subject: str
    detail: str
    #: What ``--repair`` would do; ``None`` when it is only reported.
    action: str | None = None
    repaired: bool = False
    error: str | None = None
    fix: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    #: Destroys data the guard protects (keys, blobs, rows not covered by an intent).
    guarded: bool = False

    @property
    def outstanding(self) -> bool:
        """Still needs someone: not repaired, and more than a note that work is running."""
        return not self.repaired and self.code not in INFORMATIONAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "subject": self.subject,
            "detail": self.detail,
            "action": self.action,
            "repaired": self.repaired,
            "error": self.error,
        }


@dataclass
class DoctorReport:
    findings: list[Finding]
    repair: bool = False
    refused: str | None = None

    @property
    def clean(self) -> bool:
        return not any(f.outstanding for f in self.findings) and self.refused is None

    @property
    def exit_code(self) -> int:
        return EXIT_CLEAN if self.clean else EXIT_FINDINGS

    def to_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "repair": self.repair,
            "refused": self.refused,
            "findings": [f.to_dict() for f in self.findings],
        }


# --- what the database says ------------------------------------------------------------


@dataclass
class _DbView:
    referenced: set[str]
    #: key name -> (table, id, describe) of rows that should have a key
    expected_keys: dict[str, tuple[str, str]]
    #: blob keys of rows still in use, to spot blobs the store lost
    live_blobs: set[str]


def _artifact_keys(row: TwinVersion) -> list[str]:
    try:
        return [str(v) for v in json.loads(row.artifacts).values()]
    except (ValueError, AttributeError):
        return []


#: Outputs whose sealed image is still read (by the review preview and the release);
#: a released, rejected or blocked output keeps its blob only for the record.
_LIVE_OUTPUTS = (OutputStatus.pending, OutputStatus.approved)


def _blob_refs(session: Session) -> Iterator[tuple[str, bool]]:
    """The one list of rows that name blobs: (blob key, still in use) for every capture
    file, twin version artifact, output image and asset file. A blob "in use" is one a
    row still reads, so a store that lost it is a finding (``missing_blob``)."""
    files = select(CaptureFile.blob_key, CaptureSession.deleted_at).outerjoin(
        CaptureSession, CaptureSession.id == CaptureFile.session_id
    )
    for file_key, deleted_at in session.execute(files):
        if file_key:
            yield file_key, deleted_at is None
    for version in session.scalars(select(TwinVersion)):
        live = version.status == TwinVersionStatus.active
        for key in _artifact_keys(version):
            yield key, live
    for output_key, output_status in session.execute(select(Output.blob_key, Output.status)):
        if output_key:
            yield output_key, output_status in _LIVE_OUTPUTS
    # A generation request's input images are read until its job ends.
    for inputs_json, request_status in session.execute(
        select(GenerationRequest.inputs_json, GenerationRequest.status)
    ):
        for entry in json.loads(inputs_json or "{}").values():
            yield str(entry["blob_key"]), request_status not in GENERATION_FINISHED
    # An asset's file stays in use until the brand confirms it took the asset down.
    for asset_key, asset_status in session.execute(select(Asset.blob_key, Asset.status)):
        yield asset_key, asset_status is not AssetStatus.taken_down
    # A relighting prior's sealed file is read while the prior is active (decision 0028).
    for prior_key, prior_status in session.execute(
        select(RelightPriorRecord.blob_key, RelightPriorRecord.status)
    ):
        if prior_key:
            yield prior_key, prior_status is PriorStatus.active


def referenced_blobs(session: Session) -> set[str]:
    """Every blob key a row names (see :func:`_blob_refs`)."""
    return {key for key, _ in _blob_refs(session)}


def _db_view(session: Session) -> _DbView:
    """One pass over the rows: what they reference, which keys they need, which blobs
    are still in use."""
    referenced: set[str] = set()
    live_blobs: set[str] = set()
    for key, live in _blob_refs(session):
        referenced.add(key)
        if live:
            live_blobs.add(key)
    return _DbView(referenced, _expected_keys(session), live_blobs)


def _expected_keys(session: Session) -> dict[str, tuple[str, str]]:
    """Every data key a row needs, with the (table, id) that owns it."""
    expected: dict[str, tuple[str, str]] = {}
    for s in session.scalars(select(CaptureSession).where(CaptureSession.deleted_at.is_(None))):
        expected[capture_key_name(s.id)] = ("capture_sessions", s.id)
    for t in session.scalars(select(Twin).where(Twin.status != TwinStatus.deleted)):
        expected[twin_key_name(t.id)] = ("twins", t.id)
    for r in session.scalars(select(TalentReference)):
        expected[reference_key_name(r.id)] = ("talent_references", r.id)
    active = select(RelightPriorRecord).where(RelightPriorRecord.status == PriorStatus.active)
    for p in session.scalars(active):
        expected[p.key_name] = ("relight_priors", p.id)
    return expected


def _row(session: Session, row: tuple[str, str]) -> object | None:
    """The row an intent names as (table, id), or None if it is not in the database."""
    model = _ROW_MODELS.get(row[0])
    if model is None:
        raise ValueError(f"unknown table {row[0]!r} in an intent")
    found: object | None = session.get(model, row[1])
    return found


def _row_exists(session: Session, row: tuple[str, str]) -> bool:
    return _row(session, row) is not None


# --- intents -------------------------------------------------------------------------


def _settle_claimed(db: Database, deps: StorageDeps, claimed: ClaimedIntent) -> Finding:
    """Finish one stale intent: undo it, or just close it if its marker row committed."""
    rec = claimed.record
    finding = _intent_finding(rec, stale=True)
    settle = _finish_shred if rec.kind == "shred" else _undo_or_close
    try:
        with db.unit_of_work() as session:
            settle(session, deps, rec)
    except Exception as exc:
        claimed.give_up()
        finding.error = f"{type(exc).__name__}: {exc}"
        return finding
    claimed.done()
    finding.repaired = True
    return finding


def _delete_unreferenced(
    session: Session, deps: StorageDeps, blobs: Sequence[str], *, partials: bool
) -> int:
    """Delete those of ``blobs`` that no row names (with ``partials``, also what an
    unfinished put of each left); returns how many blobs were deleted."""
    refs = referenced_blobs(session) if blobs else set()
    deleted = 0
    for key in blobs:
        if key in refs:
            continue
        if deps.blobs.exists(key):
            deps.blobs.delete(key)
            deleted += 1
        if partials and isinstance(deps.blobs, BlobInventory):
            deps.blobs.discard_partial(key)  # a put cut short leaves a temporary
    return deleted


def _undo_or_close(session: Session, deps: StorageDeps, rec: IntentRecord) -> None:
    """An interrupted write: if its row committed, the intent only closes; otherwise the
    key it created (when no row owns it) and its unreferenced blobs go."""
    committed = _row_exists(session, rec.row)
    owner_exists = _row_exists(session, rec.key_owner)
    shredded = False
    if not committed and rec.key_new and not owner_exists:
        shredded = deps.cipher.shred(rec.key_name)  # first: the blobs are noise now
    deleted = _delete_unreferenced(session, deps, rec.blobs, partials=True)
    _audit_settled(
        session,
        rec,
        "doctor.intent_closed" if committed else "doctor.intent_undone",
        shredded,
        deleted,
        kind=rec.kind,
        key=rec.key_name,
        started_at=rec.started_at.isoformat(),
        pid=rec.pid,
        host=rec.host,
    )


def _audit_settled(
    session: Session, rec: IntentRecord, action: str, shredded: bool, deleted: int, **details: Any
) -> None:
    """The audit event of a settled intent: what it shredded and deleted, and ``details``."""
    payload = {"talent_id": rec.talent_id, "key_shredded": shredded, "blobs_deleted": deleted}
    record(session, SYSTEM_ACTOR, action, "storage_intent", rec.id, {**payload, **details})


def _deletion_committed(session: Session, row: tuple[str, str]) -> bool:
    """Whether the deletion a shred intent was waiting for is in the database."""
    found = _row(session, row)
    if found is None:
        return True
    if isinstance(found, CaptureSession):
        return found.deleted_at is not None
    if isinstance(found, Twin):
        return found.status == TwinStatus.deleted
    if isinstance(found, TwinVersion):
        return found.status != TwinVersionStatus.active
    if isinstance(found, RelightPriorRecord):
        return found.status is PriorStatus.retired
    return False  # a reference template still on file


def _finish_shred(session: Session, deps: StorageDeps, rec: IntentRecord) -> None:
    """A deletion committed but its process died before shredding: shred now. If the
    deletion never committed, the key and blobs are still in use: only the journal goes."""
    done = _deletion_committed(session, rec.row)
    shredded, deleted = False, 0
    if done:
        if rec.key_new and rec.key_name:
            shredded = deps.cipher.shred(rec.key_name)
        deleted = _delete_unreferenced(session, deps, rec.blobs, partials=False)
    action = "doctor.shred_finished" if done else "doctor.shred_dropped"
    _audit_settled(
        session, rec, action, shredded, deleted, row=list(rec.row), key=rec.key_name or None
    )


def _intent_finding(rec: IntentRecord, *, stale: bool) -> Finding:
    what = f"{rec.kind} for talent {rec.talent_id}, key {rec.key_name}, {len(rec.blobs)} blob(s)"
    if not stale:
        return Finding(
            "live_intent",
            rec.id,
            f"in progress since {rec.started_at.isoformat()} (pid {rec.pid} on {rec.host}): "
            + what,
        )
    if rec.kind == "shred":
        return Finding(
            "stale_intent",
            rec.id,
            f"a deletion of {rec.row[0]} {rec.row[1]} stopped before shredding "
            f"(pid {rec.pid} on {rec.host}): key {rec.key_name or '-'}, {len(rec.blobs)} blob(s)",
            action="if the deletion committed, shred the key and delete the blobs; "
            "otherwise drop the journal",
        )
    undo = "delete its blobs" + (" and shred the key" if rec.key_new else "")
    return Finding(
        "stale_intent",
        rec.id,
        f"interrupted at {rec.started_at.isoformat()} (pid {rec.pid} on {rec.host}): {what}",
        action=f"if its row committed, close it; otherwise {undo}",
    )


def recover_intents(db: Database, deps: StorageDeps) -> list[Finding]:
    """Settle every intent whose owner is gone; leave running ones alone. Safe to run at
    any time, by any number of processes at once (each intent is claimed by its lock)."""
    findings = []
    with deps.intents.claim_stale() as stale:
        for claimed in stale:
            findings.append(_settle_claimed(db, deps, claimed))
    return findings


# --- the whole check -----------------------------------------------------------------


def diagnose(db: Database, deps: StorageDeps, *, grace_s: float = DEFAULT_GRACE_S) -> DoctorReport:
    """Compare database, vault and blob store; nothing is changed."""
    now = time.time()
    # Order matters: list the stores first, then the intents, then the database. A blob
    # listed here was written after its intent line, so its intent (or, once committed,
    # its row) is seen below: nothing in flight is mistaken for an orphan.
    stored = list(deps.blobs.inventory()) if isinstance(deps.blobs, BlobInventory) else []
    vault = deps.cipher.vault.entries()
    survey = deps.intents.survey()
    findings: list[Finding] = []
    named_keys: set[str] = set()
    named_blobs: set[str] = set()
    for status in survey:
        if status.record is None:
            if status.path.name.endswith(".intent"):
                findings.append(
                    Finding("unreadable_intent", status.path.name, f"cannot parse {status.path}")
                )
            continue
        if status.record.key_name:
            named_keys.add(status.record.key_name)
        named_blobs.update(status.record.blobs)
        findings.append(_intent_finding(status.record, stale=not status.live))
    with db.unit_of_work() as session:
        view = _db_view(session)
    vault_names = {name for name, _ in vault}
    matched = vault_names & set(view.expected_keys)

    for name, stored_at in vault:
        if name in view.expected_keys or name in named_keys:
            continue
        if not name.startswith(KEY_PREFIXES):
            findings.append(Finding("unknown_key", name, "not a key this version makes"))
            continue
        age = now - stored_at
        if age < grace_s:
            continue
        findings.append(
            Finding(
                "orphan_key",
                name,
                f"no row owns this data key (stored {age / 60:.0f} min ago)",
                action="shred the key",
                fix=_shred_key(db, deps, name),
                guarded=True,
            )
        )
    orphans: list[str] = []
    temps: list[str] = []
    present: set[str] = set()
    for blob in stored:
        if blob.key is None:
            if now - blob.modified >= grace_s:
                temps.append(blob.path)
                findings.append(
                    Finding(
                        "stray_temp",
                        blob.path,
                        "a blob a crashed writer never finished",
                        action="delete it",
                        guarded=True,
                    )
                )
            continue
        present.add(blob.key)
        if blob.key in view.referenced or blob.key in named_blobs:
            continue
        if now - blob.modified < grace_s:
            continue
        orphans.append(blob.key)
        findings.append(
            Finding(
                "orphan_blob",
                blob.key,
                "no row references this blob",
                action="delete it",
                guarded=True,
            )
        )
    if orphans or temps:
        fix = _delete_blobs(db, deps, orphans, temps)  # one audited deletion for them all
        for f in findings:
            if f.code in ("orphan_blob", "stray_temp"):
                f.fix = fix
    for name, (table, row_id) in sorted(view.expected_keys.items()):
        if name in vault_names or name in named_keys:
            continue
        findings.append(
            Finding(
                "row_without_key",
                f"{table}:{row_id}",
                f"its data key {name} is gone, so its data is unreadable",
                action=_ROW_ACTIONS[table],
                fix=_mark_shredded(db, deps, table, row_id, name),
                guarded=True,
            )
        )
    if stored:
        for key in sorted(view.live_blobs - present):
            findings.append(
                Finding("missing_blob", key, "a row in use names it, but the store lacks it")
            )
    report = DoctorReport(findings)
    guarded = [f for f in findings if f.guarded]
    if guarded and not matched and vault_names | set(view.expected_keys):
        report.refused = (
            "no key in the vault belongs to any row of this database: are LIKENESS_HOME and "
            "LIKENESS_DATABASE_URL the same installation? Repair refuses to shred keys, "
            "delete blobs or mark rows without --force"
        )
    return report


_ROW_ACTIONS = {
    "capture_sessions": "mark the capture session deleted and delete its blobs",
    "twins": "retire the twin (its versions are unreadable); its licenses end",
    "talent_references": "remove the reference template (put the photo on file again)",
    "relight_priors": "retire the prior (renders go weight-free until the next training)",
}


def _shred_key(db: Database, deps: StorageDeps, name: str) -> Callable[[], None]:
    def fix() -> None:
        with db.unit_of_work() as session:
            if name in _expected_keys(session):
                return  # a row owns it now (it committed since the check): keep it
            shredded = deps.cipher.shred(name)
            record(
                session, SYSTEM_ACTOR, "doctor.key_shredded", "data_key", name, {"found": shredded}
            )

    return fix


def _delete_blobs(
    db: Database, deps: StorageDeps, keys: list[str], temps: list[str]
) -> Callable[[], None]:
    def fix() -> None:
        with db.unit_of_work() as session:
            # Re-check under this transaction: a row may have claimed a blob since.
            refs = referenced_blobs(session)
            deleted = [k for k in keys if k not in refs]
            for key in deleted:
                deps.blobs.delete(key)
            if temps and isinstance(deps.blobs, BlobInventory):
                for path in temps:
                    deps.blobs.remove_temporary(path)
            record(
                session,
                SYSTEM_ACTOR,
                "doctor.blobs_deleted",
                "blob_store",
                "*",
                {"count": len(deleted), "temporaries": len(temps), "blobs": deleted[:1000]},
            )

    return fix


def _mark_shredded(
    db: Database, deps: StorageDeps, table: str, row_id: str, key_name: str
) -> Callable[[], None]:
    def fix() -> None:
        from likeness.capture import service as capture_service
        from likeness.licensing import service as licensing_service
        from likeness.relighting import service as relighting_service

        with db.unit_of_work() as session:
            if deps.cipher.has_key(key_name):
                return  # it came back (restored from a backup?): nothing to do
            if table == "capture_sessions":
                row = session.get(CaptureSession, row_id)
                if row is not None and row.deleted_at is None:
                    capture_service.shred_session(session, SYSTEM_ACTOR, deps, row)
            elif table == "twins":
                # The use case, not twin.service.retire: a deleted twin's licenses end too.
                licensing_service.retire_twin(
                    session,
                    SYSTEM_ACTOR,
                    deps,
                    row_id,
                    "its data key is missing (found by likeness doctor)",
                )
            elif table == "relight_priors":
                prior = session.get(RelightPriorRecord, row_id)
                if prior is not None:
                    relighting_service.retire(
                        session,
                        SYSTEM_ACTOR,
                        deps,
                        prior,
                        "its data key is missing (found by likeness doctor)",
                    )
            elif table == "talent_references":
                ref = session.get(TalentReference, row_id)
                if ref is not None:
                    session.delete(ref)
                    session.flush()
            record(
                session,
                SYSTEM_ACTOR,
                "doctor.row_without_key",
                table[:50],
                row_id,
                {"key": key_name},
            )

    return fix


def repair(
    db: Database,
    deps: StorageDeps,
    *,
    grace_s: float = DEFAULT_GRACE_S,
    force: bool = False,
) -> DoctorReport:
    """Settle stale intents, then fix what :func:`diagnose` finds, each fix audited."""
    recovered = recover_intents(db, deps)
    report = diagnose(db, deps, grace_s=grace_s)
    report.repair = True
    report.findings = recovered + [f for f in report.findings if f.code != "stale_intent"]
    if report.refused and not force:
        return report
    report.refused = None
    outcome: dict[int, str | None] = {}  # one run per fix, shared by the findings it covers
    for finding in report.findings:
        if finding.fix is None or finding.repaired:
            continue
        if id(finding.fix) not in outcome:
            try:
                finding.fix()
                outcome[id(finding.fix)] = None
            except Exception as exc:
                outcome[id(finding.fix)] = f"{type(exc).__name__}: {exc}"
        finding.error = outcome[id(finding.fix)]
        finding.repaired = finding.error is None
    return report
