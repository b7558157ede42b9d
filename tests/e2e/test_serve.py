"""`likeness serve` really serves: start it as a subprocess and talk HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from likeness.kit.db import Database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _output_of(server: subprocess.Popen[bytes]) -> str:
    """What a server that did not come up printed (stopped first if it still runs)."""
    if server.poll() is None:
        server.kill()
    out, _ = server.communicate(timeout=10)
    return (out or b"").decode("utf-8", "replace")[-4000:]


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
                    pytest.fail(f"server did not start:\n{_output_of(server)}")
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


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[str]:
    """`likeness serve` on a free port; yields its base URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "likeness", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"server did not start:\n{_output_of(server)}")
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("trusted", [False, True], ids=["no-proxy", "trusted-proxy"])
def test_forwarded_for_counts_only_from_a_trusted_proxy(
    tmp_path: Path, database_url: str, db: Database, trusted: bool
) -> None:
    """A client that rotates X-Forwarded-For is still one client, unless the header comes
    from a configured proxy (here: the test itself, on 127.0.0.1)."""
    env = {
        **os.environ,
        "LIKENESS_HOME": str(tmp_path / "home"),
        "LIKENESS_DATABASE_URL": database_url,
        "LIKENESS_LOGIN_MAX_FAILURES_PER_CLIENT": "3",
        "FORWARDED_ALLOW_IPS": "127.0.0.1,::1",  # uvicorn's own default, stated
    }
    env.pop("LIKENESS_TRUSTED_PROXIES", None)
    if trusted:
        env["LIKENESS_TRUSTED_PROXIES"] = "127.0.0.1, ::1"
    subprocess.run(
        [sys.executable, "-m", "likeness", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with _serving(env) as base:
        answers = [
            httpx.post(
                f"{base}/api/v1/auth/login",
                json={"email": f"nobody{n}@example.com", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
                timeout=30,
            )
            for n in range(4)
        ]
    codes = [a.status_code for a in answers]
    if trusted:
        assert codes == [401] * 4  # four clients, one failure each
    else:
        assert codes == [401] * 3 + [429]
        assert int(answers[-1].headers["Retry-After"]) >= 1
