"""Secret files in ``HOME/keys``: created once, mode 0600, never overwritten
(written by :func:`likeness.kit.files.write_private`, the one owner-only writer)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from likeness.errors import ConfigurationError
from likeness.kit.files import PRIVATE_FILE_MODE, write_private


@dataclass(frozen=True)
class KeySpec:
    filename: str
    description: str
    make: Callable[[], bytes]


def _secret_key() -> bytes:
    return secrets.token_urlsafe(48).encode("ascii")


def _random_32() -> bytes:
    return secrets.token_bytes(32)


def _watermark_key() -> bytes:
    from likeness.imaging.watermark import generate_key

    return generate_key()


def platform_key_specs() -> list[KeySpec]:
    return [
        KeySpec("secret.key", "platform secret (session cookies)", _secret_key),
        KeySpec("master.key", "master key (wraps each twin's data key)", _random_32),
        KeySpec("audit.key", "audit key (seals the audit chain)", _random_32),
        KeySpec("watermark.key", "watermark key (invisible asset IDs)", _watermark_key),
    ]


def ensure_key(keys_dir: Path, spec: KeySpec) -> bool:
    """True if the key was created now, False if it already existed."""
    path = keys_dir / spec.filename
    if path.exists():
        if path.stat().st_size == 0:
            raise ConfigurationError(f"key file {path} is empty; remove it and run init again")
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE_FILE_MODE)
        return False
    write_private(path, spec.make())
    return True


def read_key(path: Path, *, min_length: int = 32) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            f"key file {path} not found: run `likeness init` (or set LIKENESS_HOME)"
        ) from None
    if len(data) < min_length:
        raise ConfigurationError(f"key file {path} is too short ({len(data)} bytes)")
    return data
