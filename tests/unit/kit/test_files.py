"""Owner-only files and folders, whatever the umask (issue 16.8)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from likeness.kit.db import create_db_engine
from likeness.kit.files import private_dir, private_file, write_private
from likeness.storage import FsspecBlobStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def open_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_folders_are_created_0700_parents_included(tmp_path: Path, open_umask: int) -> None:
    deep = private_dir(tmp_path / "a" / "b" / "c")
    assert [mode(p) for p in (deep, deep.parent, deep.parent.parent)] == [0o700] * 3
    before = mode(tmp_path)
    private_dir(tmp_path / "d")
    assert mode(tmp_path) == before  # an existing parent is not ours to change
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    assert mode(private_dir(loose)) == 0o700


def test_a_private_file_is_0600_and_never_replaced(tmp_path: Path, open_umask: int) -> None:
    path = tmp_path / "keys" / "master.key"
    write_private(path, b"secret")
    assert (mode(path), mode(path.parent), path.read_bytes()) == (0o600, 0o700, b"secret")
    with pytest.raises(FileExistsError):
        write_private(path, b"other")
    assert path.read_bytes() == b"secret"


def test_overwrite_replaces_atomically_and_leaves_no_temporary(
    tmp_path: Path, open_umask: int
) -> None:
    path = tmp_path / "vault" / "twin-1.key"
    write_private(path, b"old", overwrite=True)
    os.chmod(path, 0o644)
    write_private(path, b"new", overwrite=True, durable=False)
    assert (path.read_bytes(), mode(path)) == (b"new", 0o600)
    assert sorted(p.name for p in path.parent.iterdir()) == ["twin-1.key"]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    with pytest.raises(TypeError):
        write_private(path, "not bytes")  # type: ignore[arg-type]
    assert not path.exists()
    with pytest.raises(TypeError):
        write_private(path, "not bytes", overwrite=True)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_private_file_creates_or_tightens(tmp_path: Path, open_umask: int) -> None:
    fresh = private_file(tmp_path / "new.db")
    assert (mode(fresh), fresh.read_bytes()) == (0o600, b"")
    old = tmp_path / "old.db"
    old.write_bytes(b"data")
    os.chmod(old, 0o644)
    assert (mode(private_file(old)), old.read_bytes()) == (0o600, b"data")


def test_sqlite_database_and_its_wal_and_shm_are_0600(tmp_path: Path, open_umask: int) -> None:
    database = tmp_path / "home" / "likeness.db"
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        files = sorted(database.parent.iterdir())
        assert [p.name for p in files] == ["likeness.db", "likeness.db-shm", "likeness.db-wal"]
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(database.parent) == 0o700
    finally:
        engine.dispose()


def test_local_blobs_are_0600_in_0700_folders(tmp_path: Path, open_umask: int) -> None:
    store = FsspecBlobStore(f"file://{tmp_path / 'blobs'}")
    key = store.put(b"sealed capture frame")
    assert store.put(b"sealed capture frame") == key
    assert store.get(key) == b"sealed capture frame"
    paths = list((tmp_path / "blobs").rglob("*"))
    assert len(paths) == 3  # ab/, ab/cd/, ab/cd/abcd…
    assert {p.relative_to(tmp_path).as_posix(): mode(p) for p in paths} == {
        p.relative_to(tmp_path).as_posix(): 0o600 if p.is_file() else 0o700 for p in paths
    }
    assert mode(tmp_path / "blobs") == 0o700
