from pathlib import Path

import pytest

from likeness.storage import (
    BlobCorrupted,
    BlobNotFound,
    BlobStore,
    FsspecBlobStore,
    InvalidBlobKey,
    MemoryBlobStore,
    blob_key,
)


@pytest.fixture(params=["memory", "fsspec-local", "fsspec-memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    if request.param == "fsspec-local":
        return FsspecBlobStore(f"file://{tmp_path / 'blobs'}")
    return FsspecBlobStore(f"memory://likeness-test-{id(request)}")


def test_put_get_exists_delete(store: BlobStore) -> None:
    key = store.put(b"hello")
    assert key == blob_key(b"hello")
    assert store.exists(key)
    assert store.get(key) == b"hello"
    assert store.put(b"hello") == key  # idempotent
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(BlobNotFound):
        store.get(key)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "A" * 64, "abc", "", "0" * 63 + "/"])
def test_only_hash_keys_are_accepted(store: BlobStore, bad: str) -> None:
    with pytest.raises(InvalidBlobKey):
        store.get(bad)
    with pytest.raises(InvalidBlobKey):
        store.exists(bad)
    with pytest.raises(InvalidBlobKey):
        store.delete(bad)


def test_corruption_on_disk_is_detected(tmp_path: Path) -> None:
    store = FsspecBlobStore(f"file://{tmp_path / 'blobs'}")
    key = store.put(b"original bytes")
    path = tmp_path / "blobs" / key[:2] / key[2:4] / key
    path.write_bytes(b"tampered bytes")
    with pytest.raises(BlobCorrupted, match="corrupted"):
        store.get(key)


def test_corruption_in_memory_is_detected() -> None:
    store = MemoryBlobStore()
    key = store.put(b"abc")
    store.blobs[key] = b"abd"
    with pytest.raises(BlobCorrupted):
        store.get(key)


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    store = FsspecBlobStore(f"file://{tmp_path / 'blobs'}")
    store.put(b"x" * 1000)
    names = [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert names == [blob_key(b"x" * 1000)]


def test_parallel_writers_of_the_same_blob(tmp_path: Path) -> None:
    import threading

    store = FsspecBlobStore(f"file://{tmp_path / 'blobs'}")
    data = b"z" * 2_000_000
    errors: list[BaseException] = []

    def put() -> None:
        try:
            store.put(data)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.get(blob_key(data)) == data
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [blob_key(data)]


def test_a_local_writers_leftover_temporary_is_found_and_discarded(tmp_path: Path) -> None:
    """A writer stopped mid-``put`` on local disk leaves ``.<key>.tmp-<uuid>``: the store
    lists it as a temporary and the intent's undo removes it (found by a SIGTERM test)."""
    store = FsspecBlobStore(f"file://{tmp_path / 'blobs'}")
    key = blob_key(b"never finished")
    folder = tmp_path / "blobs" / key[:2] / key[2:4]
    folder.mkdir(parents=True)
    (folder / f".{key}.tmp-{'a' * 32}").write_bytes(b"never fin")
    assert [(blob.key, Path(blob.path).name) for blob in store.inventory()] == [
        (None, f".{key}.tmp-{'a' * 32}")
    ]
    assert store.discard_partial(key) == 1
    assert list(folder.iterdir()) == []
