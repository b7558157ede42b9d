"""Extra sealed material of a twin version that engines condition on: a talent LoRA.

A LoRA trained on a talent's images is a biometric derivative, so it is kept exactly like
the twin: sealed with the twin's own data key and stored in the blob store as one of the
version's artifacts (role ``extra/<name>``). Retiring the version deletes it; retiring
the twin (or revoking the creation consent) crypto-shreds it with the key. Adding one
needs the talent's creation consent to allow ``build`` (it is a new model of the talent);
reading one back, as a render does, needs ``alter``.

Usage::

    extras.add_lora(session, actor, deps, twin_id, data)      # data: safetensors bytes
    subject_extras = extras.load_extras(session, actor, deps, twin_id, version)
    # -> {"lora": b"..."}: what :attr:`likeness.engines.Subject.extras` carries
"""

from __future__ import annotations

import hashlib
import json
import struct

from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.consent import service as consent_service
from likeness.errors import Conflict, InvalidInput
from likeness.identity.actor import Actor
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
from likeness.policy import ALTER
from likeness.twin import repository
from likeness.twin.access import get_twin_for
from likeness.vault.deps import StorageDeps, destroy_on_commit, seal_under_twin_key
from likeness.vault.keys import twin_key_name

#: The name of a talent LoRA among the extras (``Subject.extras["lora"]``).
LORA = "lora"
#: The artifact role prefix of extras in a version's ``artifacts``.
ROLE_PREFIX = "extra/"
#: The largest LoRA accepted (SDXL LoRAs run from a few MB to a few hundred).
MAX_LORA_BYTES = 1024**3
_MAX_HEADER = 100 * 1024**2


def safetensors_names(data: bytes) -> list[str]:
    """The tensor names of a safetensors file, from its header (no tensor is read);
    :class:`InvalidInput` when ``data`` is not one."""
    if len(data) < 8:
        raise InvalidInput("the file is not a safetensors file (too short)")
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(len(data) - 8, _MAX_HEADER):
        raise InvalidInput("the file is not a safetensors file (bad header length)")
    try:
        header = json.loads(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the file is not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict):
        raise InvalidInput("the file is not a safetensors file (header is not an object)")
    body = len(data) - 8 - size
    names = []
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        offsets = spec.get("data_offsets") if isinstance(spec, dict) else None
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= body
        ):
            raise InvalidInput(f"the file is not a safetensors file (tensor {name!r} is broken)")
        names.append(name)
    if not names:
        raise InvalidInput("the safetensors file holds no tensor")
    return names


def check_lora(data: bytes) -> None:
    """A safetensors file of LoRA weights, within :data:`MAX_LORA_BYTES`."""
    if len(data) > MAX_LORA_BYTES:
        raise InvalidInput(f"a LoRA may be at most {MAX_LORA_BYTES // 1024**2} MiB")
    names = safetensors_names(data)
    if not any("lora" in name.lower() for name in names):
        raise InvalidInput("the safetensors file holds no LoRA weights (no `lora` tensor names)")


def _active_version(session: Session, twin: Twin, version: int | None) -> TwinVersion:
    if twin.status != TwinStatus.active:
        raise Conflict(f"twin {twin.id} is {twin.status}")
    row = repository.version_of(session, twin.id, version)
    if row is None or row.status != TwinVersionStatus.active:
        which = f"version {version}" if version is not None else "active version"
        raise Conflict(f"twin {twin.id} has no {which} to hold a LoRA")
    return row


def add_lora(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    twin_id: str,
    data: bytes,
    *,
    version: int | None = None,
) -> TwinVersion:
    """Seal ``data`` (a LoRA as safetensors) as the talent LoRA of a twin version (the
    latest active one by default), replacing the one it had. The talent or an operator on
    the record; the talent's creation consent must allow ``build``."""
    twin = get_twin_for(session, actor, twin_id, purpose="build")
    row = _active_version(session, twin, version)
    consent_service.require_creation_consent(session, twin.talent_id, twin.id, "build")
    check_lora(data)
    role = f"{ROLE_PREFIX}{LORA}"
    # Named before the blob exists: a crash before the commit leaves a journal whose
    # blob no row references, so recovery deletes it.
    _, (blob,) = seal_under_twin_key(
        session,
        deps,
        kind="twin",
        talent_id=twin.talent_id,
        twin_id=twin.id,
        row=("twin_versions", row.id),
        contents=[(f"v{row.version}/{role}", data)],
    )
    artifacts: dict[str, str] = json.loads(row.artifacts)
    replaced = artifacts.get(role)
    artifacts[role] = blob
    row.artifacts = json.dumps(artifacts, sort_keys=True)
    if replaced is not None and replaced != blob:
        destroy_on_commit(
            session,
            deps,
            key_name=None,
            blob_keys=[replaced],
            talent_id=twin.talent_id,
            row=("twin_versions", row.id),
        )
    session.flush()
    record(
        session,
        actor,
        "twin.add_lora",
        "twin",
        twin.id,
        {
            "version": row.version,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "replaced": replaced is not None,
        },
    )
    return row


def extras_of(row: TwinVersion) -> list[str]:
    """The names of the extras a version holds (e.g. ``["lora"]``)."""
    artifacts: dict[str, str] = json.loads(row.artifacts)
    return sorted(r.removeprefix(ROLE_PREFIX) for r in artifacts if r.startswith(ROLE_PREFIX))


def load_extras(
    session: Session, actor: Actor, deps: StorageDeps, twin_id: str, version: int | None = None
) -> dict[str, bytes]:
    """The decrypted extras of a twin version (the latest active one by default), by name:
    what the generation feature puts in :attr:`likeness.engines.Subject.extras`. Needs the
    creation consent to allow ``alter``, as every render does."""
    twin = get_twin_for(session, actor, twin_id)
    row = _active_version(session, twin, version)
    consent_service.require_creation_consent(session, twin.talent_id, twin.id, ALTER)
    artifacts: dict[str, str] = json.loads(row.artifacts)
    out = {
        role.removeprefix(ROLE_PREFIX): deps.cipher.decrypt(
            twin_key_name(twin.id), deps.blobs.get(key), role=f"v{row.version}/{role}"
        )
        for role, key in sorted(artifacts.items())
        if role.startswith(ROLE_PREFIX)
    }
    if out:
        record(
            session,
            actor,
            "twin.use_extras",
            "twin",
            twin.id,
            {"version": row.version, "extras": sorted(out)},
        )
    return out
