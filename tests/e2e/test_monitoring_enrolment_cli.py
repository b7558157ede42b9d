"""`likeness monitor opt-in|opt-out|enrolled`: roles, output, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from e2e.cli_support import as_, run
from integration.test_license_support import World
from likeness.cli import app
from likeness.kit.cli import LazyCommand
from reference_photos import portrait_png


@pytest.fixture(autouse=True)
def _monitor_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """``likeness monitor`` where the monitoring CLI exists; else the enrolment commands
    alone under that name (they are registered on it by ``monitoring/cli.py``)."""
    table = app.info.cls.lazy_commands  # type: ignore[union-attr]
    if "monitor" not in table:
        monkeypatch.setitem(
            table, "monitor", LazyCommand("likeness.monitoring.enrolment_cli:app", "Monitoring.")
        )


def test_opt_in_status_opt_out(world: World, tmp_path: Path) -> None:
    talent = world.talent.id
    code, out = run("monitor", "opt-in", talent, *as_(world, "talent"))
    assert code != 0 and out.startswith("error: ") and "reference photo" in out
    assert len(out.strip().splitlines()) == 1

    photo = tmp_path / "me.png"
    photo.write_bytes(portrait_png(0))
    code, out = run("capture", "reference", "set", str(photo), "--talent", talent,
                    *as_(world, "talent"))  # fmt: skip
    assert code == 0, out

    code, out = run("monitor", "opt-in", talent, *as_(world, "brand"))
    assert code != 0 and out.startswith("error: ")
    code, out = run("monitor", "opt-in", talent, *as_(world, "agent"), "--json")
    assert code == 0, out
    assert json.loads(out)["enrolled"] is True and json.loads(out)["references"] == 1
    code, out = run("monitor", "enrolled", talent, *as_(world, "talent"))
    assert code == 0 and "yes" in out
    code, out = run("monitor", "opt-out", talent)  # the local operator
    assert code == 0 and "no" in out
    code, out = run("monitor", "opt-out", talent)
    assert code != 0 and out.startswith("error: ") and "not enrolled" in out
