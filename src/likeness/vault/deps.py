"""What a service that stores sealed blobs needs: the blob store, the cipher and the
intent journal, and the steps that tie an intent to a transaction (settled with it,
undone on rollback, destruction after commit; sealing blobs under the twin's key) that
every feature storing sealed data shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from likeness.kit.db import on_commit, on_rollback
from likeness.settings import Settings
from likeness.storage import BlobStore
from likeness.storage.intents import Intent, IntentJournal
from likeness.vault.crypto import TwinCipher
from likeness.vault.keys import cipher_from_settings, intent_journal, twin_key_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class StorageDeps:
    """Where sealed data goes: the blob store, the cipher (keys) and the intent journal
    that names keys and blobs before they exist (see :mod:`likeness.storage.intents`)."""

    blobs: BlobStore
    cipher: TwinCipher
    intents: IntentJournal

    @classmethod
    def from_settings(cls, settings: Settings, blobs: BlobStore | None = None) -> StorageDeps:
        if blobs is None:
            from likeness.storage import FsspecBlobStore

            blobs = FsspecBlobStore(settings.resolved_blob_url)
        return cls(blobs, cipher_from_settings(settings), intent_journal(settings))


def undo_intent(deps: StorageDeps, intent: Intent) -> None:
    """Undo what an unfinished operation stored: shred the key it created (every blob
    sealed under it is noise from then on), delete its blobs, then close the journal. If
    any step fails the journal stays for recovery (``likeness doctor``, the next start).
    Safe to call twice."""
    if not intent.open:
        return
    complete = True
    if intent.key_new:
        try:
            deps.cipher.shred(intent.key_name)
        except Exception:  # cleanup must not hide the original error
            complete = False
    for key in intent.blobs:
        try:
            deps.blobs.delete(key)
        except Exception:
            complete = False
    if complete:
        intent.settle()
    else:
        intent.release()


def settle_with_transaction(session: Session, deps: StorageDeps, intent: Intent) -> None:
    """Tie the intent to the caller's transaction: closed once it commits (the rows are
    then the record), undone if it rolls back."""
    on_commit(session, intent.settle)
    on_rollback(session, lambda: undo_intent(deps, intent))


def seal_under_twin_key(
    session: Session,
    deps: StorageDeps,
    *,
    kind: str,
    talent_id: str,
    twin_id: str,
    row: tuple[str, str],
    contents: Sequence[tuple[str, bytes]],
) -> tuple[Intent, list[str]]:
    """Seal each ``(role, content)`` with the twin's (existing) key and store it, under one
    intent naming ``row`` and tied to the caller's transaction; returns the intent and the
    blob keys, in order. The intent is begun before any blob exists, so a crash before
    the commit leaves a journal that recovery follows to delete the blobs (the twin's key
    is not the caller's to shred); a failure here undoes what was stored and re-raises."""
    key_name = twin_key_name(twin_id)
    intent = deps.intents.begin(
        kind=kind,
        talent_id=talent_id,
        key_name=key_name,
        key_new=False,
        row=row,
        key_owner=("twins", twin_id),
    )
    try:
        settle_with_transaction(session, deps, intent)
        blob_keys = [
            intent.put(deps.blobs, deps.cipher.encrypt(key_name, content, role=role))
            for role, content in contents
        ]
    except BaseException:
        undo_intent(deps, intent)
        raise
    return intent, blob_keys


def destroy_on_commit(
    session: Session,
    deps: StorageDeps,
    *,
    key_name: str | None,
    blob_keys: Iterable[str],
    talent_id: str,
    row: tuple[str, str],
) -> None:
    """Shred ``key_name`` and delete the blobs once the transaction that records it commits.

    Destroying them at once would leave, if the transaction then rolled back (a failed
    audit write, a conflict at commit), rows that still say "active" over data that no
    key opens any more. The destruction is journalled first (a ``shred`` intent naming
    ``row``, whose committed state says the deletion happened), so a crash between the
    commit and the shredding is finished by recovery (the next start, ``likeness doctor``).
    """
    keys = list(blob_keys)
    if key_name is None and not keys:
        return
    intent = deps.intents.begin(
        kind="shred",
        talent_id=talent_id,
        key_name=key_name or "",
        key_new=key_name is not None,
        row=row,
        key_owner=row,
    )
    try:
        intent.add_blobs(keys)
    except BaseException:
        intent.settle()
        raise

    # The same steps as undoing an unfinished operation: shred, delete, close the journal.
    on_commit(session, lambda: undo_intent(deps, intent))
    on_rollback(session, intent.settle)  # nothing was deleted: nothing to destroy
