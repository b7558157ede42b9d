"""Talents' opt-in to monitoring, and the reference embeddings the index searches.

Monitoring searches a talent's face only while the talent is enrolled. Opting in
computes their reference embeddings from what Likeness already holds about their face,
the same references the identity check of generated images uses:

- the reference photo's identity template, when one is on file
  (:func:`likeness.capture.service.reference_embedding`);
- each active twin's identity reference, the embedding of its neutral front-lit render
  (:func:`likeness.twin.identity.identity_reference`), and the same neutral render of
  each of its other captured views (turned heads: a post is rarely a passport photo).

Several references per talent (at most :data:`~likeness.monitoring.index.MAX_REFERENCES`)
make a match more robust; a talent with none cannot be enrolled. Opting in again
recomputes them (after a new twin version or reference photo). Opting out deletes them
in the same transaction: the in-process index of every process reloads on its next
search (the revision changes) and pgvector searches the table itself, so a talent who
opted out is never matched again once the change commits.

Who may: the talent, an agent of an agency representing them under an agreement in
force today, or an operator (:func:`likeness.party.access.get_talent_for`; anyone else
gets 404, as for every talent they cannot see). Every opt-in and opt-out is an audit
event (``monitoring.opted_in``, ``monitoring.opted_out``) in the same transaction.

The embeddings are biometric data: they are stored only while the talent is enrolled,
never shown by the API, and deleted with the talent (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.capture.reference import template_bytes
from likeness.capture.service import reference_embedding
from likeness.errors import Conflict, NotFound
from likeness.identity.actor import Actor
from likeness.imaging.faces import FaceAnalyzer
from likeness.kit.clock import utcnow
from likeness.models.base import new_id
from likeness.models.monitoring_index import (
    MonitoringEnrolment,
    MonitoringIndexState,
    MonitoringReference,
)
from likeness.models.twin import TwinVersion
from likeness.monitoring.index import MAX_REFERENCES, uses_pgvector, vector_literal
from likeness.party.access import get_talent_for
from likeness.twin import repository as twin_repository
from likeness.twin._basis import unpack_basis
from likeness.twin.identity import frontal_view, identity_reference, reference_from_basis
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name

F32 = NDArray[np.float32]


class NothingToEnrol(Conflict):
    """The talent has no reference photo and no active twin whose face can be embedded."""


@dataclass(frozen=True)
class Enrolment:
    """A talent's monitoring status, as the CLI and API show it (no embeddings)."""

    talent_id: str
    enrolled: bool
    references: int
    opted_in_at: datetime | None
    opted_in_by_user_id: str | None
    opted_out_at: datetime | None
    opted_out_by_user_id: str | None


def reference_embeddings(
    session: Session,
    deps: StorageDeps,
    talent_id: str,
    *,
    analyzer: FaceAnalyzer | None = None,
) -> list[tuple[str, F32]]:
    """``(source, embedding)`` for each reference of the talent's face Likeness holds:
    the reference photo's template and each active twin's identity reference."""
    found: list[tuple[str, F32]] = []
    photo = reference_embedding(session, deps, talent_id)
    if photo is not None:
        found.append(("reference_photo", photo))
    for twin in twin_repository.active_twins_of_talent(session, talent_id):
        try:
            ref = identity_reference(session, deps, twin.id, analyzer=analyzer)
        except (NotFound, Conflict):
            continue  # no usable face in this twin (or no active version): nothing to add
        found.append((f"twin:{twin.id}:v{ref.version}", ref.embedding))
        row = twin_repository.version_of(session, twin.id, ref.version)
        if row is not None:
            found.extend(_turned_views(deps, twin.id, row, analyzer or FaceAnalyzer()))
    return found[:MAX_REFERENCES]


def _turned_views(
    deps: StorageDeps, twin_id: str, row: TwinVersion, analyzer: FaceAnalyzer
) -> list[tuple[str, F32]]:
    """The neutral render's embedding of each view but the frontal one (which is the
    identity reference), decrypted with the twin's key; views with no single face are
    left out. About a second per view: paid once per opt-in."""
    import cv2

    meta = json.loads(row.metadata_json)
    keys: dict[str, str] = json.loads(row.artifacts)
    front = frontal_view(meta["views"])
    dirs = np.asarray(meta["light_dirs"], np.float32)

    def open_blob(role: str) -> bytes:
        return deps.cipher.decrypt(
            twin_key_name(twin_id), deps.blobs.get(keys[role]), role=f"v{row.version}/{role}"
        )

    out: list[tuple[str, F32]] = []
    for view in meta["views"]:
        if view["id"] == front["id"] or f"basis/{view['id']}" not in keys:
            continue
        basis = unpack_basis(open_blob(f"basis/{view['id']}"))
        matte = None
        if f"matte/{view['id']}" in keys:
            raw = np.frombuffer(open_blob(f"matte/{view['id']}"), np.uint8)
            decoded = cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE)
            matte = None if decoded is None else np.asarray(decoded, np.float32) / 255.0
        embedding = reference_from_basis(basis, dirs, matte, analyzer)
        if embedding is not None:
            out.append((f"twin:{twin_id}:v{row.version}:view:{view['id']}", embedding))
    return out


def _bump_revision(session: Session) -> None:
    """A fresh revision: every process's in-memory index reloads on its next search.
    An upsert, so two first opt-ins at once do not collide on the one row."""
    token = uuid.uuid4().hex
    values = {"id": 1, "revision": token}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(MonitoringIndexState).values(values)
        session.execute(pg.on_conflict_do_update(index_elements=["id"], set_={"revision": token}))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(MonitoringIndexState).values(values)
        session.execute(lite.on_conflict_do_update(index_elements=["id"], set_={"revision": token}))
    else:  # pragma: no cover - the two supported databases are above
        changed = session.execute(
            update(MonitoringIndexState).where(MonitoringIndexState.id == 1).values(revision=token)
        )
        if getattr(changed, "rowcount", 0) == 0:
            session.add(MonitoringIndexState(id=1, revision=token))
    session.flush()


def _delete_references(session: Session, talent_id: str) -> int:
    result = session.execute(
        delete(MonitoringReference).where(MonitoringReference.talent_id == talent_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def replace_references(
    session: Session, talent_id: str, refs: Sequence[tuple[str, NDArray[np.floating]]]
) -> None:
    """Store ``refs`` as the talent's references in place of any earlier ones (both
    columns on pgvector) and change the revision. No access check, no audit: the
    callers (:func:`opt_in`, benchmarks) do that."""
    if len(refs) > MAX_REFERENCES:
        raise ValueError(f"at most {MAX_REFERENCES} references per talent")
    _delete_references(session, talent_id)
    session.flush()
    pgvector = uses_pgvector(session)
    for source, embedding in refs:
        ref = MonitoringReference(
            id=new_id(), talent_id=talent_id, source=source, embedding=template_bytes(embedding)
        )
        session.add(ref)
        session.flush()
        if pgvector:
            session.execute(
                text(
                    "UPDATE monitoring_references SET embedding_vec = CAST(:v AS vector) "
                    "WHERE id = :id"
                ),
                {"v": vector_literal(embedding), "id": ref.id},
            )
    _bump_revision(session)


def _row(session: Session, talent_id: str) -> MonitoringEnrolment | None:
    return session.get(MonitoringEnrolment, talent_id)


def opt_in(
    session: Session,
    actor: Actor,
    talent_id: str,
    *,
    deps: StorageDeps | None = None,
    analyzer: FaceAnalyzer | None = None,
) -> Enrolment:
    """Enrol the talent in monitoring (again: refresh their references). Audited."""
    get_talent_for(session, actor, talent_id)
    deps = deps or _default_deps()
    refs = reference_embeddings(session, deps, talent_id, analyzer=analyzer)
    if not refs:
        raise NothingToEnrol(
            f"talent {talent_id} has no reference photo on file and no active twin with a "
            "usable face: put a reference photo on file or build a twin, then opt in"
        )
    now = utcnow()
    row = _row(session, talent_id)
    refreshed = row is not None and row.enrolled
    if row is None:
        row = MonitoringEnrolment(talent_id=talent_id, enrolled=True)
        session.add(row)
    row.enrolled = True
    row.opted_in_at = now
    row.opted_in_by_user_id = actor.user_id
    row.updated_at = now
    replace_references(session, talent_id, refs)
    record(
        session,
        actor,
        "monitoring.opted_in",
        "talent",
        talent_id,
        {"references": [source for source, _ in refs], "refreshed": refreshed},
    )
    return enrolment(session, talent_id)


def opt_out(session: Session, actor: Actor, talent_id: str) -> Enrolment:
    """Stop monitoring the talent and delete their reference embeddings. Audited."""
    get_talent_for(session, actor, talent_id)
    row = _row(session, talent_id)
    if row is None or not row.enrolled:
        raise Conflict(f"talent {talent_id} is not enrolled in monitoring")
    now = utcnow()
    row.enrolled = False
    row.opted_out_at = now
    row.opted_out_by_user_id = actor.user_id
    row.updated_at = now
    deleted = _delete_references(session, talent_id)
    session.flush()
    _bump_revision(session)
    record(
        session, actor, "monitoring.opted_out", "talent", talent_id, {"references_deleted": deleted}
    )
    return enrolment(session, talent_id)


def is_enrolled(session: Session, talent_id: str) -> bool:
    """Whether the talent is searched by monitoring now (no access check: a system read)."""
    row = _row(session, talent_id)
    return row is not None and row.enrolled


def enrolment(session: Session, talent_id: str) -> Enrolment:
    """The talent's monitoring status (no access check; see :func:`enrolment_for`)."""
    row = _row(session, talent_id)
    count = len(
        session.scalars(
            select(MonitoringReference.id).where(MonitoringReference.talent_id == talent_id)
        ).all()
    )
    if row is None:
        return Enrolment(talent_id, False, count, None, None, None, None)
    return Enrolment(
        talent_id,
        row.enrolled,
        count,
        row.opted_in_at,
        row.opted_in_by_user_id,
        row.opted_out_at,
        row.opted_out_by_user_id,
    )


def enrolment_for(session: Session, actor: Actor, talent_id: str) -> Enrolment:
    """The talent's monitoring status, for those who may see the talent."""
    get_talent_for(session, actor, talent_id)
    return enrolment(session, talent_id)


def enrolled_talents(session: Session) -> list[str]:
    """Every enrolled talent's id (operators' overview; the scan does not need it)."""
    return list(
        session.scalars(
            select(MonitoringEnrolment.talent_id)
            .where(MonitoringEnrolment.enrolled.is_(True))
            .order_by(MonitoringEnrolment.talent_id)
        )
    )


def _default_deps() -> StorageDeps:
    from likeness.settings import get_settings

    return StorageDeps.from_settings(get_settings())
