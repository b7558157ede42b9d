"""Where the audit chain's secrets live, and the errors when they are not usable.

An installation keeps two things outside its database, in ``HOME/keys``:

- ``audit.key``: the HMAC key that seals every event and the head. It is read on every
  append and every verification (a few bytes, human-paced), so deleting or replacing it
  stops writes at once instead of letting them go on under some other key.
- ``audit.checkpoint``: the newest head this installation has seen committed, as
  ``SEQ:HASH``; it moves forward after every committed append and every successful
  verification (see :mod:`likeness.audit.checkpoint`).

Errors (all :class:`AuditUnavailable`, HTTP 503: no change can be recorded until an
operator acts; nothing the caller sent was wrong, and nothing was written)::

    AuditUnavailable
    ├── AuditKeyMissing      the key file is absent, unreadable or too short
    ├── AuditKeyMismatch     the chain's head is not sealed by this key
    ├── AuditChainUnsealed   the head still has the unsealed genesis of an older install
    └── AuditChainErased     the log is empty although the database or checkpoint says
                             it held events
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from likeness.errors import LikenessError

KEY_FILENAME = "audit.key"
CHECKPOINT_FILENAME = "audit.checkpoint"
MIN_KEY_BYTES = 32


class AuditUnavailable(LikenessError, status=503):
    """The audit chain cannot be sealed or checked, so changes are refused."""


class AuditKeyMissing(AuditUnavailable):
    pass


class AuditKeyMismatch(AuditUnavailable):
    pass


class AuditChainUnsealed(AuditUnavailable):
    pass


class AuditChainErased(AuditUnavailable):
    pass


@dataclass(frozen=True)
class AuditKeys:
    """The audit key and checkpoint files of one installation (``HOME/keys``)."""

    keys_dir: Path

    @property
    def key_file(self) -> Path:
        return self.keys_dir / KEY_FILENAME

    @property
    def checkpoint_file(self) -> Path:
        return self.keys_dir / CHECKPOINT_FILENAME

    def key(self) -> bytes:
        """The key, read now; never a stand-in derived from another secret."""
        try:
            key = self.key_file.read_bytes()
        except FileNotFoundError:
            raise AuditKeyMissing(
                f"the audit key {self.key_file} is missing, so no change can be recorded: "
                "restore it from your backup of the keys folder (a new key cannot continue "
                "the existing chain)"
            ) from None
        except OSError as exc:
            raise AuditKeyMissing(
                f"the audit key {self.key_file} cannot be read ({exc.strerror or exc})"
            ) from None
        if len(key) < MIN_KEY_BYTES:
            raise AuditKeyMissing(
                f"the audit key {self.key_file} is damaged: {len(key)} bytes, "
                f"at least {MIN_KEY_BYTES} expected; restore it from your backup"
            )
        return key
