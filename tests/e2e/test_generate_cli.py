"""`likeness generate` end to end: a built twin, an active license, the request checked,
the job run here with a progress bar, the outputs in quarantine; `generate status`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from e2e import output_support as support
from e2e.cli_support import as_, ok_json, run
from integration.generation_support import FakeChecks
from integration.test_license_support import World
from likeness.generation import service
from likeness.kit.db import Database


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> FakeChecks:
    """The identity checks (idcheck's module) stand in as a fake: reject the 2nd image."""
    fake = FakeChecks(reject=frozenset({1}))
    monkeypatch.setattr(service, "default_checks", lambda: fake)
    monkeypatch.setenv("LIKENESS_ENGINES__ENABLED", "studio,memory")
    return fake


def _png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (180, 30, 30)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_generate_runs_inline_and_leaves_outputs_for_review(
    world: World, tmp_path: Path, db: Database, checks: FakeChecks
) -> None:
    twin = support.built_twin(world, tmp_path)
    lic = support.active_license(db, world)
    garment = _png(tmp_path / "g.png")
    scene = support.scene(tmp_path)
    brand, talent = as_(world, "brand"), as_(world, "talent")
    code, out = run(
        "generate", "--license", lic, "--twin", twin, "--engine", "memory", "--task", "tryon",
        "--garment", str(garment), "--scene", str(scene), "--size", "240x300", "--count", "2",
        "--seed", "7", "--territory", "FR", *brand,
    )  # fmt: skip
    assert code == 0, out
    assert "succeeded" in out and "(1 output(s) in quarantine)" in out, out
    request_id = out.split("generation ")[1].split()[0]
    shown: Any = ok_json("generate", "status", request_id, *brand)
    assert shown["status"] == "succeeded" and shown["percentage"] == 100
    assert len(shown["output_ids"]) == 1 and shown["inputs"].keys() == {"garment"}
    # The brand sees the passing output only; the talent reviews it.
    queue = ok_json("output", "list", "--queue", *talent)
    assert [o["id"] for o in queue] == shown["output_ids"]
    assert json.loads(json.dumps(queue[0]["engine_params"]))["provenance"]["seed"] == 7
    talent_view = ok_json("generate", "status", request_id, *talent)
    assert len(talent_view["output_ids"]) == 2  # the check-rejected one is the talent's too

    code, out = run("generate", "--license", lic, "--twin", twin, "--size", "big", *brand)
    assert code != 0 and out.startswith("error: ") and "--size" in out, out
    code, out = run("generate", "--license", lic, "--twin", twin, "--engine", "nope",
               "--task", "tryon", *brand)  # fmt: skip
    assert code != 0 and out.startswith("error: ") and "nope" in out, out


def test_generate_with_the_studio_engine(
    world: World, tmp_path: Path, db: Database, checks: FakeChecks
) -> None:
    twin = support.built_twin(world, tmp_path)
    lic = support.active_license(db, world)
    code, out = run(
        "generate", "--license", lic, "--twin", twin, "--engine", "studio",
        "--scene", str(support.scene(tmp_path)), "--size", "270x338", "--territory", "FR",
        "--json", *as_(world, "brand"),
    )  # fmt: skip
    assert code == 0, out
    row = json.loads(out)
    assert row["status"] == "succeeded" and len(row["output_ids"]) == 1
    output = ok_json("output", "show", row["output_ids"][0], *as_(world, "talent"))
    assert (output["width"], output["height"]) == (270, 338)
    assert output["engine_params"]["provenance"]["generative"] is False


def test_generate_runs_its_own_job_and_leaves_the_older_ones(
    world: World, tmp_path: Path, db: Database, checks: FakeChecks
) -> None:
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.jobs import service as jobs
    from likeness.models.job import Job, JobStatus

    twin = support.built_twin(world, tmp_path)
    lic = support.active_license(db, world)
    with db.unit_of_work() as session:  # someone else's generation, queued first
        older = jobs.enqueue(
            session, SYSTEM_ACTOR, service.JOB_KIND, {"generation_request_id": "f" * 32}
        ).id
    code, out = run(
        "generate", "--license", lic, "--twin", twin, "--engine", "studio",
        "--scene", str(support.scene(tmp_path)), "--size", "270x338", "--territory", "FR",
        "--json", *as_(world, "brand"),
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["status"] == "succeeded"
    with db.unit_of_work() as session:
        job = session.get(Job, older)
        assert job is not None and job.status is JobStatus.queued and job.attempts == 0
