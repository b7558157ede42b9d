"""Secret files in ``HOME/keys``: created once, mode 0600, never overwritten."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from likeness.errors import ConfigurationError

PRIVATE_MODE = 0o600


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


def write_private_file(path: Path, data: bytes) -> None:
    """Create `path` with mode 0600 atomically; refuse to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    fd = os.open(path, flags, PRIVATE_MODE)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def ensure_key(keys_dir: Path, spec: KeySpec) -> bool:
    """True if the key was created now, False if it already existed."""
    path = keys_dir / spec.filename
    if path.exists():
        if path.stat().st_size == 0:
            raise ConfigurationError(f"key file {path} is empty; remove it and run init again")
        if path.stat().st_mode & 0o077:
            os.chmod(path, PRIVATE_MODE)
        return False
    write_private_file(path, spec.make())
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
