"""`likeness serve` really serves: start it as a subprocess and talk HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_and_openapi(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "LIKENESS_HOME": str(tmp_path / "home"),
        "LIKENESS_DATABASE_URL": database_url,
    }
    subprocess.run(
        [sys.executable, "-m", "likeness", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "likeness", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("server did not start")
                time.sleep(0.3)
        assert health.json()["status"] == "ok"
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
        assert spec["info"]["title"] == "Likeness API"
        denied = httpx.get(f"http://127.0.0.1:{port}/api/v1/users", timeout=5)
        assert denied.status_code == 401 and denied.json()["error"] == "Unauthorized"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_production_refuses_to_serve_with_the_default_secret(tmp_path: Path) -> None:
    from likeness.settings import DEVELOPMENT_SECRET

    env = {**os.environ, "LIKENESS_HOME": str(tmp_path / "h")}
    env.pop("LIKENESS_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "likeness", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    env |= {"LIKENESS_ENVIRONMENT": "production", "LIKENESS_SECRET_KEY": DEVELOPMENT_SECRET}
    result = subprocess.run(
        [sys.executable, "-m", "likeness", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "default or short secret" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_an_uninitialised_home(tmp_path: Path) -> None:
    env = {**os.environ, "LIKENESS_HOME": str(tmp_path / "none")}
    env.pop("LIKENESS_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "likeness", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "likeness init" in result.stderr
    assert not (tmp_path / "none").exists()
