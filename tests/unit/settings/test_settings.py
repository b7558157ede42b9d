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
