"""The audit key is read from its file, never derived from another secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.audit.key import AuditKeyMissing, AuditKeys, AuditUnavailable
from likeness.errors import LikenessError


def test_the_key_is_read_from_the_file(tmp_path: Path) -> None:
    (tmp_path / "audit.key").write_bytes(b"k" * 32)
    assert AuditKeys(tmp_path).key() == b"k" * 32


@pytest.mark.parametrize("content", [None, b"", b"short"])
def test_a_missing_or_short_key_is_refused_naming_the_file(
    tmp_path: Path, content: bytes | None
) -> None:
    if content is not None:
        (tmp_path / "audit.key").write_bytes(content)
    with pytest.raises(AuditKeyMissing) as caught:
        AuditKeys(tmp_path).key()
    assert str(tmp_path / "audit.key") in caught.value.message


def test_audit_errors_are_service_unavailable() -> None:
    assert issubclass(AuditUnavailable, LikenessError)
    assert AuditKeyMissing("x").status_code == 503
