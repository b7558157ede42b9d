"""`likeness release` killed with SIGKILL at every point of the release leaves either no
asset or a complete one: never a counted release without an asset, never a stamped blob
no row names (after recovery), never a file written to ``-o`` before the commit.

Each run kills the real command in a subprocess at one named point (the process installs
the hook, then runs ``likeness release``): before the asset id is drawn, after stamping,
with the stamped file stored but nothing committed, after counting against the license,
and once the transaction committed but before its journal was closed. Recovery is
``likeness doctor --repair`` or simply the next command.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from e2e import output_support as support
from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import World
from likeness.kit.db import Database
from likeness.models.asset import Asset, AssetKind
from likeness.models.license import License
from likeness.models.output import Output
from likeness.provenance import VerifyConfig, verify
from likeness.settings import Settings

#: Where the hook kills: (point, whether the release committed before the kill).
POINTS = [
    ("allocate", False),  # decided and claimed, nothing stored
    ("register", False),  # stamped, not stored
    ("put", False),  # the stamped file is in the blob store, no row committed
    ("counted", False),  # counted against the license, not committed
    ("settle", True),  # committed; the journal was not closed yet
]

HOOK = textwrap.dedent(
    """
    import os, signal, sys
    point = sys.argv[1]

    def die(*_a, **_k):
        os.kill(os.getpid(), signal.SIGKILL)

    def after(original):
        def wrapped(*a, **k):
            result = original(*a, **k)
            die()
            return result
        return wrapped

    from likeness.asset import service as assets
    from likeness.licensing import service as licensing
    from likeness.storage import _fsspec
    from likeness.storage import intents

    if point == "allocate":
        assets.allocate = die
    elif point == "register":
        assets.register = die
    elif point == "put":
        _fsspec.FsspecBlobStore.put = after(_fsspec.FsspecBlobStore.put)
    elif point == "counted":
        licensing.record_release = after(licensing.record_release)
    elif point == "settle":
        intents.Intent.settle = die

    from likeness.cli import main
    sys.argv = ["likeness", *sys.argv[2:]]
    main()
    """
)


def _killed_release(point: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HOOK, point, "release", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )


def _state(db: Database, output_id: str, license_id: str) -> tuple[str, int, list[Asset]]:
    with db.unit_of_work() as session:
        out = session.get(Output, output_id)
        lic = session.get(License, license_id)
        assert out is not None and lic is not None
        releases = list(
            session.scalars(
                select(Asset).where(Asset.output_id == output_id, Asset.kind == AssetKind.release)
            )
        )
        session.expunge_all()
        return out.status.value, lic.released_count, releases


def _blob_names(home: Path) -> set[str]:
    return {p.name for p in (home / "blobs").rglob("*") if p.is_file()}


@pytest.mark.slow
def test_a_release_killed_anywhere_leaves_no_asset_or_a_complete_one(
    world: World, tmp_path: Path, cli_home: Path, db: Database
) -> None:
    twin = support.built_twin(world, tmp_path)
    lic = support.active_license(db, world, max_outputs=5)
    scene = support.scene(tmp_path)
    brand = as_(world, "brand")
    verify_config = VerifyConfig.from_settings(Settings(home=cli_home))
    for n, (point, committed) in enumerate(POINTS):
        code, out = support.render(world, twin, lic, scene, tmp_path / f"p{n}.jpg")
        assert code == 0, out
        output_id = out.split()[1]
        ok_json("output", "approve", output_id, *as_(world, "talent"))
        status, count_before, _ = _state(db, output_id, lic)
        assert status == "approved"
        blobs_before = _blob_names(cli_home)
        target = tmp_path / f"released-{point}.jpg"
        done = _killed_release(point, [output_id, "-o", str(target), *brand])
        assert done.returncode == -signal.SIGKILL, (point, done.stdout, done.stderr)
        assert not target.exists()  # nothing is written before the commit

        code, out = run("doctor", "--repair", "--grace", "0", "--json")
        assert code == 0, (point, out)
        assert not list((cli_home / "keys" / "intents").glob("*"))

        status, count, releases = _state(db, output_id, lic)
        new_blobs = _blob_names(cli_home) - blobs_before
        if committed:
            # Complete: released, counted once, one asset whose file is the stamped one.
            assert (status, count, len(releases)) == ("released", count_before + 1, 1), point
            [asset] = releases
            assert new_blobs == {asset.blob_key}
            _, data = _download(world, asset.id, tmp_path)
            report = verify(data, verify_config)
            assert report.c2pa.state == "Trusted" and report.watermark.found
        else:
            # Nothing: still approved, not counted, no asset, no stray stamped blob.
            assert (status, count, releases) == ("approved", count_before, []), point
            assert new_blobs == set(), point
            # And the release can simply be run again.
            released = ok_json("release", output_id, *brand)
            assert released["released_count"] == count_before + 1


def _download(world: World, asset_id: str, tmp_path: Path) -> tuple[int, bytes]:
    path = tmp_path / f"{asset_id}.jpg"
    code, out = run("asset", "download", asset_id, "-o", str(path), *as_(world, "brand"))
    assert code == 0, out
    return code, path.read_bytes()


def test_the_hook_points_exist() -> None:
    from likeness.asset import service as assets
    from likeness.licensing import service as licensing
    from likeness.storage import _fsspec, intents

    assert callable(assets.allocate) and callable(assets.register)
    assert callable(licensing.record_release) and callable(_fsspec.FsspecBlobStore.put)
    assert callable(intents.Intent.settle)
