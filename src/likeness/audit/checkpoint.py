"""The verification checkpoint kept outside the database (``HOME/keys/audit.checkpoint``).

After a successful ``likeness audit verify`` the head it saw is written here; the next
verification requires the chain to still contain that event with that hash, so rolling
the database back to an older (genuinely sealed) state is caught.
"""

from __future__ import annotations

from pathlib import Path

from likeness.audit.chain import Checkpoint
from likeness.errors import ConfigurationError

FILENAME = "audit.checkpoint"


def read(keys_dir: Path) -> Checkpoint | None:
    path = keys_dir / FILENAME
    if not path.exists():
        return None
    try:
        return Checkpoint.parse(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigurationError(f"{path} is damaged: {exc}") from exc


def write(keys_dir: Path, checkpoint: Checkpoint) -> None:
    path = keys_dir / FILENAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{checkpoint.seq}:{checkpoint.hash}\n", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
