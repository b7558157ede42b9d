"""Settings, read from the environment with the ``LIKENESS_`` prefix.

``LIKENESS_HOME`` (default ``./likeness-data``) holds everything a local installation
owns: the SQLite database, the blob store and the keys. Production sets
``LIKENESS_ENVIRONMENT=production``, a PostgreSQL ``LIKENESS_DATABASE_URL`` and an
object-store ``LIKENESS_BLOB_URL``.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from likeness.errors import ConfigurationError

#: The only secret the platform will accept without a key file, and only in development.
DEVELOPMENT_SECRET = "likeness-development-secret-not-for-production"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIKENESS_", extra="ignore")

    home: Path = Field(default=Path("likeness-data"))
    environment: Literal["development", "production"] = "development"
    database_url: str | None = None
    blob_url: str | None = None
    secret_key: SecretStr | None = None
    session_cookie_name: str = "likeness_session"
    session_max_age_seconds: int = 60 * 60 * 12
    login_max_failures: int = 5
    login_max_failures_per_client: int = 30
    login_failure_window_seconds: int = 15 * 60
    #: Largest request body the API accepts (JSON and forms); uploads have their own.
    max_request_bytes: int = Field(default=10 * 1024**2, ge=1024)
    #: Largest capture archive the API accepts (the ingest limits apply inside the zip).
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1024)
    #: Operator opt-in (``LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1``) to load model files whose
    #: licence forbids commercial use, or that the model registry does not know; each such
    #: load is logged and QC records it (decision 0010). Off by default.
    allow_noncommercial_models: bool = False

    @cached_property
    def home_path(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def keys_dir(self) -> Path:
        return self.home_path / "keys"

    @property
    def blobs_dir(self) -> Path:
        return self.home_path / "blobs"

    @property
    def secret_key_file(self) -> Path:
        return self.keys_dir / "secret.key"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_path / 'likeness.db'}"

    @property
    def resolved_blob_url(self) -> str:
        return self.blob_url or f"file://{self.blobs_dir}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def audit_key_file(self) -> Path:
        return self.keys_dir / "audit.key"

    def audit_key(self) -> bytes:
        """Key that seals the audit chain (HOME/keys/audit.key, made by `likeness init`).

        In development, before init, it is derived from the platform secret so that
        commands still work; production requires the key file.
        """
        if self.audit_key_file.exists():
            key = self.audit_key_file.read_bytes()
            if len(key) < MIN_SECRET_LENGTH:
                raise ConfigurationError(f"{self.audit_key_file} is too short")
            return key
        if self.is_production:
            raise ConfigurationError(f"no audit key at {self.audit_key_file}: run `likeness init`")
        return hmac.new(
            self.platform_secret().encode("utf-8"), b"likeness.audit.v1", hashlib.sha256
        ).digest()

    def platform_secret(self) -> str:
        """The secret that signs session cookies and derives other secrets.

        Taken from ``LIKENESS_SECRET_KEY``, else from ``HOME/keys/secret.key`` (made by
        ``likeness init``). Outside development an empty, short or default secret
        refuses to start.
        """
        secret = self.secret_key.get_secret_value() if self.secret_key else None
        if secret is None and self.secret_key_file.exists():
            secret = self.secret_key_file.read_text(encoding="utf-8").strip()
        if not secret:
            if self.is_production:
                raise ConfigurationError(
                    "no platform secret: set LIKENESS_SECRET_KEY or run `likeness init`"
                )
            return DEVELOPMENT_SECRET
        if self.is_production and (secret == DEVELOPMENT_SECRET or len(secret) < MIN_SECRET_LENGTH):
            raise ConfigurationError(
                "refusing to run in production with a default or short secret "
                f"(need at least {MIN_SECRET_LENGTH} characters)"
            )
        return secret


def get_settings() -> Settings:
    return Settings()
