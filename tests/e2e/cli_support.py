"""Helpers for driving the `likeness` command in end-to-end tests."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from integration.test_license_support import World
from likeness.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    """Run one command; returns (exit code, stdout + stderr)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def ok_json(*args: str) -> Any:
    """Run a command with --json, require success, return the parsed output."""
    code, out = run(*args, "--json")
    assert code == 0, out
    return json.loads(out)


def as_(world: World, who: str) -> list[str]:
    """`--as EMAIL` for one of the world's parties (talent, agent, brand, stranger_agent, …)."""
    user = world.stranger_agent if who == "stranger_agent" else getattr(world, f"{who}_user")
    return ["--as", user.email]
