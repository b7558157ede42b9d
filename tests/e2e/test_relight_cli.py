"""`likeness relight` end to end: train a prior (synthetic cast, a licensed basis), list,
show its manifest, retire it; operators only."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import World
from likeness.imaging import relight as rl


def test_train_list_show_and_retire_a_prior(world: World, tmp_path: Path) -> None:
    code, out = run("relight", "train-prior")
    assert code == 1 and "nothing to train from" in out

    trained = ok_json("relight", "train-prior", "--synthetic", "0", "--synthetic-size", "64")
    assert trained["status"] == "active" and trained["commercial_use"] is True
    assert trained["sources"] == 1 and trained["talents"] == 0
    assert trained["license"] == "likeness-synthetic"

    listed = ok_json("relight", "priors")
    assert [p["name"] for p in listed] == [trained["name"]]
    shown = ok_json("relight", "show", trained["name"])
    manifest = shown["manifest"]
    assert manifest["prior_sha256"] == trained["sha256"]
    assert [s["id"] for s in manifest["sources"]] == ["seed-0"]
    assert shown["source_list"][0]["kind"] == "synthetic"

    # Research-only data: the prior is non-commercial and says so.
    basis, dirs, _ = rl.synthetic_basis(48)
    research = tmp_path / "faces.npz"
    np.savez(research, basis=basis, light_dirs=dirs)
    second = ok_json("relight", "train-prior", "--licensed", f"{research}=research-only")
    assert second["commercial_use"] is False and second["license"] == "research-only"
    statuses = {p["name"]: p["status"] for p in ok_json("relight", "priors")}
    assert statuses == {trained["name"]: "retired", second["name"]: "active"}

    code, out = run("relight", "retire", second["name"], "--reason", "research data")
    assert code == 0 and "retired" in out
    assert all(p["status"] == "retired" for p in ok_json("relight", "priors"))


def test_only_operators_train_or_list(world: World) -> None:
    for who in ("talent", "brand"):
        code, out = run("relight", "train-prior", "--synthetic", "0", *as_(world, who))
        assert code == 1 and "only an operator" in out
        code, out = run("relight", "priors", *as_(world, who))
        assert code == 1 and "only an operator" in out
