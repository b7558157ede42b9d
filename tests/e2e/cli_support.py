"""Helpers for driving the `likeness` command in end-to-end tests."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
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


def loose_modes(root: Path) -> dict[str, str]:
    """Everything under ``root`` (itself included) that another local user could open:
    files not 0600, folders not 0700. Empty when the tree is private."""
    loose = {}
    for path in (root, *root.rglob("*")):
        want = 0o700 if path.is_dir() else 0o600
        have = stat.S_IMODE(path.lstat().st_mode)
        if have != want:
            loose[path.relative_to(root).as_posix()] = oct(have)
    return loose


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)
