"""Helpers for the output tests on the command line (no tests in here): a twin built
through the CLI, an active license, and a small scene."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import LEGAL_NAME, World, to_status
from likeness.consent.signing import AFFIRMATION
from likeness.kit.clock import utcnow
from likeness.kit.db import Database

SCENE = (
    "lights:\n  - {azimuth_deg: -35, elevation_deg: 25, color: [1.0, 0.95, 0.9]}\n"
    "background: {color: [0.05, 0.08, 0.12]}\nframing: {width: 240, height: 300}\n"
)


def scene(tmp_path: Path) -> Path:
    path = tmp_path / "scene.yaml"
    path.write_text(SCENE)
    return path


def built_twin(world: World, tmp_path: Path) -> str:
    """Creation consent → synthetic capture → ingest → QC → twin, as the talent."""
    talent = as_(world, "talent")
    folder = tmp_path / "capture"
    code, out = run("capture", "synth", str(folder), "--seed", "3", "--views", "2",
                    "--lights", "16", "--size", "192")  # fmt: skip
    assert code == 0, out
    until = (utcnow() + timedelta(days=3650)).isoformat()
    consent = ok_json("consent", "create", "--talent", world.talent.id,
                      "--purpose", "Build my twin", "--until", until, *talent)  # fmt: skip
    ok_json("consent", "sign", str(consent["id"]), "--name", LEGAL_NAME,
            "--statement", AFFIRMATION, *talent)  # fmt: skip
    sid = str(ok_json("capture", "ingest", str(folder), "--talent", world.talent.id, *talent)[
        "session_id"
    ])  # fmt: skip
    assert ok_json("capture", "qc", sid, *talent)["passed"]
    return str(
        ok_json("twin", "build", "--talent", world.talent.id, "--session", sid, *talent)["twin_id"]
    )


def active_license(db: Database, world: World, **terms: Any) -> str:
    with db.unit_of_work() as session:
        return to_status(session, world, "active", **terms).id


def render(
    world: World, twin: str, license_id: str, scene_path: Path, out: Path, who: str = "talent"
) -> tuple[int, str]:
    return run(
        "render", "--twin", twin, "--license", license_id, "--channel", "instagram",
        "--territory", "FR", "--category", "fashion", "--scene", str(scene_path),
        "-o", str(out), *as_(world, who),
    )  # fmt: skip
