"""Append to and check the audit chain. Appends happen in the caller's transaction.

Every database session carries the installation's audit key (``session.info["audit_key"]``):
an :class:`~likeness.audit.key.AuditKeys` that reads ``HOME/keys/audit.key`` when needed
and says where the checkpoint lives, or plain bytes (tests, benchmarks: no checkpoint).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import checkpoint, repository
from likeness.audit.chain import (
    Checkpoint,
    EventFields,
    Head,
    encode_payload,
    event_hash,
    event_seal,
    genesis_head,
    head_is_sealed,
    head_seal,
    verify_chain,
)
from likeness.audit.key import (
    MIN_KEY_BYTES,
    AuditChainErased,
    AuditChainUnsealed,
    AuditKeyMismatch,
    AuditKeyMissing,
    AuditKeys,
)
from likeness.audit.schemas import AuditEventRead, ChainReport, EventFilter
from likeness.identity.actor import Actor
from likeness.kit.bounds import require_instant, require_page
from likeness.kit.clock import utcnow
from likeness.kit.db import on_commit, on_rollback
from likeness.models.audit import AuditEvent, AuditHead

MAX_PAGE = 1000
_PENDING = "likeness.audit.pending_checkpoint"


def _keys(session: Session) -> AuditKeys | None:
    value = session.info.get("audit_key")
    if isinstance(value, Path):  # the keys folder, as the Runtime hands it over
        return AuditKeys(value)
    return value if isinstance(value, AuditKeys) else None


def audit_key(session: Session) -> bytes:
    """The installation's audit key, read now (a deleted key file stops writes at once)."""
    keys = _keys(session)
    key = keys.key() if keys is not None else session.info.get("audit_key")
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise AuditKeyMissing("no audit key is configured for this database session")
    return key


def _key_name(session: Session) -> str:
    keys = _keys(session)
    return str(keys.key_file) if keys else "the configured audit key"


def _require_sealed_head(session: Session, head: AuditHead, key: bytes) -> None:
    """Refuse to extend a chain whose head this key did not seal."""
    if head_is_sealed(Head(head.seq, head.hash, head.mac), key):
        return
    if head.seq == 0 and not head.mac:
        raise AuditChainUnsealed(
            "the audit chain has no genesis seal yet (a database set up before this "
            "release, or not by `likeness init`): run `likeness init` to seal it"
        )
    raise AuditKeyMismatch(
        f"the audit chain's head is not sealed by {_key_name(session)}: the key file was "
        "replaced, or the head row was altered. Nothing was recorded; restore the original "
        "key, then run `likeness audit verify`"
    )


def _advance_checkpoint_on_commit(session: Session, head: Checkpoint) -> None:
    """Once this transaction commits, move the checkpoint forward to its newest head."""
    keys = _keys(session)
    if keys is None:
        return
    first = _PENDING not in session.info
    session.info[_PENDING] = head
    if not first:
        return

    def advance() -> None:
        pending = session.info.pop(_PENDING, None)
        if isinstance(pending, Checkpoint):
            checkpoint.advance(keys.keys_dir, pending)

    on_commit(session, advance)
    # Also on a savepoint's rollback (SQLAlchemy reports it as a rollback): the head is
    # forgotten and the checkpoint lags this transaction, which is safe; ahead is not.
    on_rollback(session, lambda: session.info.pop(_PENDING, None))


#: Called with each event as it is written, in its transaction: features that derive rows
#: from events (the notification inbox, :mod:`likeness.inbox`) register here, so what they
#: write commits or rolls back with the change the event records. A listener must not
#: record events itself.
EventListener = Callable[[Session, AuditEvent], None]
_listeners: list[EventListener] = []
#: The listeners every process has, as "module:function" strings (like the job handlers'
#: table): a string imports nothing until the first event is recorded, so a feature of any
#: layer may add its line here, and every process (API, command line, job workers) has them.
KNOWN_LISTENERS: tuple[str, ...] = ("likeness.inbox.derive:on_event",)
_known_loaded: list[bool] = []


def _event_listeners() -> list[EventListener]:
    if not _known_loaded:
        for target in KNOWN_LISTENERS:
            module_name, _, name = target.partition(":")
            on_record(getattr(importlib.import_module(module_name), name))
        _known_loaded.append(True)
    return _listeners


def on_record(listener: EventListener) -> EventListener:
    """Register ``listener`` (once) for every event :func:`record` writes from now on."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event after the current head; the head row lock keeps the chain linear."""
    key = audit_key(session)
    head = repository.lock_head(session)
    _require_sealed_head(session, head, key)
    fields = EventFields(
        seq=head.seq + 1,
        at=utcnow(),
        actor=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=encode_payload(payload or {}),
        prev_hash=head.hash,
    )
    digest = event_hash(fields)
    # The row is the sealed fields, column for column.
    event = AuditEvent(**vars(replace(fields, hash=digest, mac=event_seal(key, digest))))
    session.add(event)
    head.seq = fields.seq
    head.hash = digest
    head.mac = head_seal(key, fields.seq, digest)
    session.flush()
    _advance_checkpoint_on_commit(session, Checkpoint(fields.seq, digest))
    for listener in _event_listeners():
        listener(session, event)
    return event


def seal_genesis(session: Session) -> str | None:
    """Make sure the chain is sealed and checkpointed; what `likeness init` runs.

    A database with no events and no other data gets the genesis seal under this
    installation's key (also when a blank database was sealed under another key: there
    is nothing yet to protect). A chain that is already sealed by this key is left as
    it is. Anything else is refused: an empty log in a database that holds data, or
    behind a checkpoint that saw events, was erased, and sealing it would hide that.
    Returns a line for init's report when something changed.
    """
    key = audit_key(session)
    keys = _keys(session)
    recorded = checkpoint.read(keys.keys_dir) if keys else None
    head = repository.lock_head(session)
    note = None
    if not head_is_sealed(Head(head.seq, head.hash, head.mac), key):
        blank = head.seq == 0 and not repository.has_events(session)
        if blank and repository.holds_other_data(session):
            raise AuditChainErased(
                "the audit log is empty but the database holds data: its events were "
                "deleted and its head reset. Restore the database from a backup"
            )
        if blank and keys is not None and recorded is not None and recorded.seq > 0:
            raise AuditChainErased(
                f"the audit log is empty but {keys.checkpoint_file} records "
                f"event {recorded.seq}: the log was erased or rolled back. Restore the "
                "database from a backup"
            )
        if not blank:
            _require_sealed_head(session, head, key)
        genesis = genesis_head(key)
        head.hash, head.mac = genesis.hash, genesis.mac
        session.flush()
        note = "audit chain sealed (genesis)"
    if keys is not None and recorded is None:
        _advance_checkpoint_on_commit(session, Checkpoint(head.seq, head.hash))
        note = note or f"audit checkpoint {keys.checkpoint_file}"
    return note


def recorded_checkpoint(session: Session) -> Checkpoint | None:
    """The installation's checkpoint (None for sessions without a keys folder)."""
    keys = _keys(session)
    return checkpoint.read(keys.keys_dir) if keys else None


def verify(
    session: Session,
    expect: Checkpoint | None = None,
    *,
    tap: Callable[[EventFields], None] | None = None,
    after: Checkpoint | None = None,
) -> ChainReport:
    """The one verification, for the CLI and the API alike.

    Checks the whole chain against one consistent snapshot of the database, holding it
    to the installation's recorded checkpoint and to ``expect`` (a head recorded
    anywhere else), and moves the checkpoint forward when the chain is intact. ``tap``
    sees every event of that snapshot in order, as it is checked (a signed head is built
    from exactly the events that were verified). ``after``: walk only the events after
    an event the caller proved unchanged, holding checkpoints at or before it itself
    (:func:`likeness.audit.chain.verify_chain`).
    """
    key = audit_key(session)
    keys = _keys(session)
    recorded = checkpoint.read(keys.keys_dir) if keys else None
    wanted = [cp for cp in (recorded, expect) if cp is not None]
    with repository.snapshot(session) as snap:
        head = repository.read_head(snap)
        if head is None:
            report = ChainReport(
                ok=False,
                events_checked=0,
                head_seq=0,
                first_bad_seq=0,
                problem="the head row is missing",
            )
        else:
            state = Head(head.seq, head.hash, head.mac)
            events = repository.iter_events(snap, after=after.seq if after else -1)
            if tap is not None:
                events = _tapped(events, tap)
            report = verify_chain(events, state, key, wanted, after=after)
    if recorded is not None:
        report.checkpoint = f"{recorded.seq}:{recorded.hash}"
    if report.ok and keys is not None:
        checkpoint.advance(keys.keys_dir, Checkpoint(report.head_seq, report.head_hash))
    return report


def _tapped(
    events: Iterator[EventFields], tap: Callable[[EventFields], None]
) -> Iterator[EventFields]:
    for event in events:
        tap(event)
        yield event


def to_read(event: AuditEvent) -> AuditEventRead:
    shown = {name: getattr(event, name) for name in AuditEventRead.model_fields}
    return AuditEventRead.model_validate({**shown, "payload": _payload(event.payload)})


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"_unreadable": text}
    return value if isinstance(value, dict) else {"_value": value}


def list_events(
    session: Session, where: EventFilter = EventFilter(), *, limit: int = 100, offset: int = 0
) -> list[AuditEventRead]:
    """Events that match ``where``, newest first."""
    require_page(limit, offset, MAX_PAGE)
    if where.since is not None:
        where = replace(where, since=require_instant(where.since, "since"))
    stmt = repository.filtered_events(where, limit=limit, offset=offset)
    return [to_read(e) for e in session.execute(stmt).scalars()]
