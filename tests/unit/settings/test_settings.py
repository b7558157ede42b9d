from pathlib import Path

import pytest

from likeness.errors import ConfigurationError
from likeness.settings import DEVELOPMENT_SECRET, Settings


def test_development_falls_back_to_the_development_secret(tmp_path: Path) -> None:
    assert Settings(home=tmp_path).platform_secret() == DEVELOPMENT_SECRET


def test_key_file_is_used_when_no_env_secret(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "secret.key").write_text("f" * 64)
    assert Settings(home=tmp_path).platform_secret() == "f" * 64


@pytest.mark.parametrize("secret", [None, "", DEVELOPMENT_SECRET, "too-short"])
def test_production_refuses_default_empty_or_short_secret(
    tmp_path: Path, secret: str | None
) -> None:
    settings = Settings(home=tmp_path, environment="production", secret_key=secret)
    with pytest.raises(ConfigurationError):
        settings.platform_secret()


def test_production_accepts_a_strong_secret(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, environment="production", secret_key="k" * 48)
    assert settings.platform_secret() == "k" * 48


def test_defaults_live_under_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/likeness.db"
    assert settings.resolved_blob_url == f"file://{tmp_path.resolve()}/blobs"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("LIKENESS_ENVIRONMENT", "production")
    settings = Settings()
    assert settings.home_path == (tmp_path / "h").resolve()
    assert settings.is_production


def test_proxies_and_origins_are_comma_separated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from likeness.system.service import proxy_options

    assert proxy_options(Settings(home=tmp_path)) == {
        "proxy_headers": False,
        "forwarded_allow_ips": [],
    }
    monkeypatch.setenv("LIKENESS_TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/16,::1")
    monkeypatch.setenv(
        "LIKENESS_ALLOWED_ORIGINS", "https://Portal.example:443,http://localhost:8080"
    )
    settings = Settings(home=tmp_path)
    assert settings.trusted_proxies == ["10.0.0.5", "192.168.0.0/16", "::1"]
    assert settings.allowed_origins == ["https://portal.example", "http://localhost:8080"]
    assert proxy_options(settings) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.5", "192.168.0.0/16", "::1"],
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LIKENESS_TRUSTED_PROXIES", "proxy.internal"),
        ("LIKENESS_TRUSTED_PROXIES", "*"),
        ("LIKENESS_ALLOWED_ORIGINS", "https://portal.example/app"),
        ("LIKENESS_ALLOWED_ORIGINS", "*"),
    ],
)
def test_bad_proxies_and_origins_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=r"not an IP address|not scheme://host"):
        Settings(home=tmp_path)


def test_job_settings_default_to_inline_workers() -> None:
    jobs = Settings().jobs
    assert (jobs.executor, jobs.workers, jobs.ray_address, jobs.lease_seconds) == (
        "inline",
        2,
        None,
        60.0,
    )


def test_job_settings_are_read_from_nested_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIKENESS_JOBS__EXECUTOR", "ray")
    monkeypatch.setenv("LIKENESS_JOBS__WORKERS", "4")
    monkeypatch.setenv("LIKENESS_JOBS__RAY_ADDRESS", "ray://head:10001")
    monkeypatch.setenv("LIKENESS_JOBS__LEASE_SECONDS", "15")
    jobs = Settings().jobs
    assert (jobs.executor, jobs.workers, jobs.ray_address, jobs.lease_seconds) == (
        "ray",
        4,
        "ray://head:10001",
        15.0,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("EXECUTOR", "celery"), ("WORKERS", "0"), ("LEASE_SECONDS", "0")],
)
def test_bad_job_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"LIKENESS_JOBS__{name}", value)
    with pytest.raises(ValueError, match="jobs"):
        Settings()
