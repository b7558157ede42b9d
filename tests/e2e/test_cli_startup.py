"""What `likeness decide` loads, and how: the guard behind its start-up time (issue 15,
``bench/cli.py``).

A decision is asked often, from scripts, so its command loads the decision point and
nothing else: not the libraries of images, documents, migrations, the web or object
stores, not the doctor, not the use cases that change licenses. The test runs the real
entry point in a fresh interpreter and reads ``sys.modules`` afterwards; a new import on
this path fails it here instead of costing every decision its time unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from e2e.cli_support import as_
from integration.test_license_support import World

#: Libraries a decision never needs (top-level package names).
NOT_FOR_A_DECISION = {
    "alembic",  # the revision check reads alembic_version itself
    "c2pa",
    "cryptography",  # the cipher is built only by commands that seal
    "cv2",
    "diffusers",  # the diffusers engine loads it (and torch) on its first image
    "dlib",
    "fastapi",
    "fpdf",
    "fsspec",  # the blob store is built only by commands that store
    "jinja2",
    "numpy",
    "PIL",
    "starlette",
    "torch",
    "transformers",
    "uvicorn",
    "yaml",
}

#: Parts of Likeness a decision never needs (a module or a whole package).
NOT_FOR_A_DECISION_HERE = (
    "likeness.api",
    "likeness.capture",
    "likeness.imaging",
    "likeness.licensing.cli",  # negotiation, signing and shredding: decide_cli stands alone
    "likeness.licensing.service",
    "likeness.modelreg",
    "likeness.provenance",
    "likeness.storage._fsspec",
    "likeness.studio",
    "likeness.system.demo",
    "likeness.system.doctor",  # start-up recovery loads it only when an intent is left
    "likeness.twin.service",
    "likeness.vault.crypto",
    "likeness.vault.deps",
    "likeness.web",
)

_PROBE = """
import gc, json, sys
sys.argv = ["likeness", *{args!r}]
from likeness.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({{
    "code": code,
    "modules": sorted(sys.modules),
    "collector_enabled": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
}}), file=sys.stderr)
"""


def run_entry_point(*args: str) -> tuple[dict[str, Any], str]:
    """Run ``likeness ARGS`` through its real entry point in a fresh interpreter (the
    environment, LIKENESS_HOME and the test database included, is inherited)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stderr.strip().splitlines()[-1]), result.stdout


def decide_args(world: World) -> list[str]:
    return [
        "decide", "--twin", world.talent.id, "--brand", world.brand.id,
        "--action", "generate", "--channel", "instagram", "--category", "fashion",
    ]  # fmt: skip


def _loaded_but_not_needed(modules: list[str]) -> list[str]:
    heavy = sorted({m.split(".")[0] for m in modules} & NOT_FOR_A_DECISION)
    ours = sorted(
        m
        for m in modules
        if any(m == part or m.startswith(part + ".") for part in NOT_FOR_A_DECISION_HERE)
    )
    return heavy + ours


@pytest.mark.parametrize("who", [None, "brand"])
def test_a_decision_loads_only_the_decision_point(world: World, who: str | None) -> None:
    args = decide_args(world) + (as_(world, who) if who else [])
    probe, out = run_entry_point(*args)
    assert probe["code"] == 3 and out.startswith("DENY generate on instagram"), out
    assert _loaded_but_not_needed(probe["modules"]) == []
    if who is None:
        # The local operator needs no user, token or password machinery.
        auth = [m for m in probe["modules"] if m.startswith(("likeness.auth", "argon2"))]
        assert auth == []
    assert "likeness.licensing.decision" in probe["modules"]  # the probe saw the decision


def test_the_collector_pauses_while_a_command_loads_and_runs_for_the_command(
    world: World,
) -> None:
    probe, _ = run_entry_point(*decide_args(world), "--json")
    assert probe["code"] == 3
    # What loading built was set aside (gc.freeze), and the collector runs again.
    assert probe["frozen"] > 10_000 and probe["collector_enabled"] is True


def test_help_freezes_nothing_and_leaves_the_collector_running() -> None:
    probe, out = run_entry_point("--help")
    assert probe["code"] == 0 and "decide" in out
    assert probe["frozen"] == 0 and probe["collector_enabled"] is True
