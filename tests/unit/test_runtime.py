"""The runtime opens the database up front and the blob store and sealed storage on first
use, so a command that only reads rows neither imports nor builds them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from likeness.kit.db import Database
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.storage import FsspecBlobStore, MemoryBlobStore, blob_key


def _settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'r.db'}")


def test_the_blob_store_is_built_on_first_use_and_then_kept(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    runtime = Runtime.from_settings(settings)
    try:
        assert not settings.blobs_dir.exists()  # nothing built yet
        blobs = runtime.blobs
        assert isinstance(blobs, FsspecBlobStore)
        assert runtime.blobs is blobs
        key = blobs.put(b"sealed bytes")
        assert key == blob_key(b"sealed bytes")
        assert settings.blobs_dir.is_dir() and blobs.get(key) == b"sealed bytes"
    finally:
        runtime.close()


def test_the_sealed_storage_uses_the_runtime_blob_store(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    memory = MemoryBlobStore()
    runtime = Runtime(settings=settings, db=Database(settings.resolved_database_url), blobs=memory)
    try:
        assert runtime.blobs is memory
        storage = runtime.storage
        assert storage is runtime.storage and storage.blobs is memory
        assert storage.intents.folder == settings.keys_dir / "intents"
    finally:
        runtime.close()


def test_the_server_opens_its_blob_store_at_start(tmp_path: Path) -> None:
    from likeness.api.app import create_app

    settings = _settings(tmp_path).model_copy(
        update={"blob_url": "nosuchstore://bucket", "secret_key": SecretStr("s" * 40)}
    )
    with pytest.raises(ValueError, match="nosuchstore"):
        create_app(settings)
