"""Settings, read from the environment with the ``LIKENESS_`` prefix.

``LIKENESS_HOME`` (default ``./likeness-data``) holds everything a local installation
owns: the SQLite database, the blob store and the keys. Production sets
``LIKENESS_ENVIRONMENT=production``, a PostgreSQL ``LIKENESS_DATABASE_URL`` and an
object-store ``LIKENESS_BLOB_URL``.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from likeness.errors import ConfigurationError

#: The only secret the platform will accept without a key file, and only in development.
DEVELOPMENT_SECRET = "likeness-development-secret-not-for-production"
MIN_SECRET_LENGTH = 32

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, without a default port; None if not an origin.

    Used for configured origins and for the ``Origin`` header alike, so that
    ``https://Portal.example:443`` and ``https://portal.example`` compare equal.
    """
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


class ComfyUISettings(BaseModel):
    """``LIKENESS_ENGINES__COMFYUI__*``: a ComfyUI server and the workflow template it runs."""

    #: The server, e.g. ``http://127.0.0.1:8188``; unset, the engine is unavailable.
    url: str | None = None
    #: The workflow template file (JSON; see docs/guide/generation.md, "ComfyUI").
    workflow: Path | None = None
    #: Who runs the server (the name the license's signed terms must list). Set it also for
    #: a loopback URL that is a tunnel (``ssh -L``, ``kubectl port-forward``) to another
    #: machine. Unset: the host name of a remote server; none for ``localhost`` or a literal
    #: loopback address.
    processor: str | None = None
    #: Longest wait for one generation, all images together.
    timeout_seconds: float = Field(default=600.0, gt=0)
    #: Pause between two looks at ``GET /history/{prompt_id}``.
    poll_seconds: float = Field(default=1.0, gt=0)
    #: Longest wait for one HTTP answer.
    request_timeout_seconds: float = Field(default=30.0, gt=0)


class HostedSettings(BaseModel):
    """``LIKENESS_ENGINES__HOSTED__*``: a hosted try-on API (FASHN-style)."""

    base_url: str = "https://api.fashn.ai/v1"
    api_key: SecretStr | None = None
    #: The third party the likeness is sent to (the license's signed terms must list it).
    processor: str = "fashn"
    model_name: str = "tryon-v1.6"
    timeout_seconds: float = Field(default=300.0, gt=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    request_timeout_seconds: float = Field(default=60.0, gt=0)


class DiffusersEngineSettings(BaseModel):
    """``LIKENESS_ENGINES__DIFFUSERS__*``: the local diffusers engine (decision 0020)."""

    #: The weights folder: a diffusers pipeline layout with its ``likeness-model.json``.
    path: Path | None = None
    #: The torch device to run on (``cpu``, ``cuda``, ``cuda:1``).
    device: str = "cpu"


class EnginesSettings(BaseModel):
    """``LIKENESS_ENGINES__*``: which image engines this installation offers, and one
    section per engine, ``LIKENESS_ENGINES__<NAME>__<OPTION>``: typed below for the
    engines with settings of their own, free-form for the others (read by the engine's
    factory in :mod:`likeness.engines.registry`)."""

    model_config = ConfigDict(extra="allow")

    comfyui: ComfyUISettings = Field(default_factory=ComfyUISettings)
    hosted: HostedSettings = Field(default_factory=HostedSettings)
    diffusers: DiffusersEngineSettings = Field(default_factory=DiffusersEngineSettings)

    #: Comma-separated engine names; empty: every registered engine except ``memory``
    #: (the test engine).
    enabled: str = ""

    def enabled_names(self) -> list[str] | None:
        """The names listed in ``enabled`` (None: not set)."""
        names = [n.strip().lower() for n in self.enabled.split(",") if n.strip()]
        return names or None

    def options(self, name: str) -> dict[str, Any]:
        """The options given for engine ``name`` (``{}`` when none)."""
        value = (self.model_extra or {}).get(name.lower(), {})
        return dict(value) if isinstance(value, dict) else {}


class MonitoringSourceSettings(BaseModel):
    """How monitoring fetches images (``LIKENESS_MONITORING__SOURCES__*``): the limits of
    :class:`likeness.monitoring.sources.FetchLimits`."""

    #: Largest image accepted, in bytes (enforced while the bytes stream in).
    max_bytes: int = Field(default=25 * 1024**2, ge=1024)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    #: Longest wait for the next bytes of a response.
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    #: Longest time one fetch may take in all (a server trickling bytes is cut off).
    total_timeout_seconds: float = Field(default=30.0, gt=0)
    max_redirects: int = Field(default=3, ge=0, le=10)
    #: At most this many requests per host per second (a token bucket per host).
    requests_per_host_per_second: float = Field(default=1.0, gt=0)
    #: Requests a host may take at once before the rate applies.
    burst: int = Field(default=1, ge=1)
    #: Networks a URL may resolve to although private, loopback or link-local (CIDR,
    #: e.g. ``["127.0.0.1/32"]``). Empty: only public addresses are fetched.
    allowed_networks: list[str] = Field(default_factory=list)
    respect_robots: bool = True
    user_agent: str = "LikenessMonitor/1.0 (+https://likeness.invalid/monitoring)"


class JobSettings(BaseModel):
    """Where and how durable jobs run (``LIKENESS_JOBS__*``; decision 0020)."""

    #: ``inline``: a thread pool in the server or command; ``ray``: long-lived Ray actors.
    executor: Literal["inline", "ray"] = "inline"
    #: Worker threads (inline) or actors (ray).
    workers: int = Field(default=2, ge=1, le=256)
    #: A Ray cluster (``ray://host:10001``); unset, Ray starts locally in this process.
    ray_address: str | None = None
    #: How long a worker holds a job without a heartbeat; a killed worker's job is taken
    #: again once this runs out.
    lease_seconds: float = Field(default=60.0, gt=0, le=24 * 60 * 60)


class LedgerSettings(BaseModel):
    """Money (``LIKENESS_LEDGER__*``; decision 0022)."""

    #: The platform's own fee on every fee line, in basis points of the gross (0: none).
    #: At most 8000, so that with the 20 % commission cap the talent's net is never negative.
    platform_fee_bps: int = Field(default=0, ge=0, le=8000)
    #: How often the API server posts new fees from the audit chain (seconds).
    post_interval_seconds: float = Field(default=5.0, gt=0)
    #: The platform's bank account that pays talent and agencies: the debtor of the
    #: ``pain.001`` payout file (``likeness ledger export-payouts --format pain001``).
    debtor_name: str | None = None
    debtor_iban: str | None = None
    debtor_bic: str | None = None


class MonitoringSettings(BaseModel):
    """Monitoring (``LIKENESS_MONITORING__*``; decision 0023)."""

    #: Host → license channel of the place an image was found, added to (and overriding)
    #: the built-in table of :mod:`likeness.monitoring.verdicts` (JSON:
    #: ``{"pinterest.com": "web"}``). A host not listed is the ``web`` channel.
    channel_hosts: dict[str, str] = Field(default_factory=dict)
    #: Who a notice names as the contact when an operator (no user account) makes it.
    notice_contact_name: str = "Likeness rights desk"
    notice_contact_email: str = "rights@likeness.invalid"
    #: Fetch limits of the sources: ``LIKENESS_MONITORING__SOURCES__MAX_BYTES``, …
    sources: MonitoringSourceSettings = Field(default_factory=MonitoringSourceSettings)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIKENESS_", extra="ignore", env_nested_delimiter="__"
    )

    home: Path = Field(default=Path("likeness-data"))
    environment: Literal["development", "production"] = "development"
    database_url: str | None = None
    blob_url: str | None = None
    secret_key: SecretStr | None = None
    session_cookie_name: str = "likeness_session"
    session_max_age_seconds: int = 60 * 60 * 12
    #: Failed logins of one account from one client before back-off starts.
    login_max_failures: int = Field(default=5, ge=1)
    #: Failed logins from one client, over all accounts, before back-off starts.
    login_max_failures_per_client: int = Field(default=100, ge=1)
    #: Failed logins of one account, over all clients, before every failing client backs off.
    login_max_failures_per_account: int = Field(default=50, ge=1)
    #: First back-off delay; it doubles with each further failure.
    login_backoff_base_seconds: float = Field(default=1.0, gt=0)
    #: Longest back-off of one client (and of one account from one client).
    login_backoff_max_seconds: float = Field(default=15 * 60, gt=0)
    #: Longest back-off that account-wide failures (other clients') can impose on a client.
    login_account_backoff_max_seconds: float = Field(default=60, gt=0)
    #: How long a failed login is remembered. Much longer than the longest back-off, or
    #: the doubling would restart whenever the oldest failures fall out of the window.
    login_failure_window_seconds: int = Field(default=24 * 60 * 60, ge=1)
    #: Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: IP addresses
    #: or networks, comma-separated. Empty (the default): no proxy header is believed.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Origins besides the API's own whose pages may change state with a session cookie
    #: (e.g. ``https://portal.example.com``), comma-separated.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Cookie that hands the page its CSRF token (readable by scripts, unlike the session).
    csrf_cookie_name: str = "likeness_csrf"
    #: Largest request body the API accepts (JSON and forms); uploads have their own.
    max_request_bytes: int = Field(default=10 * 1024**2, ge=1024)
    #: Largest capture archive the API accepts (the ingest limits apply inside the zip).
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1024)
    #: Operator opt-in (``LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1``) to load model files whose
    #: licence forbids commercial use, or that the model registry does not know; each such
    #: load is logged and QC records it (decision 0010). Off by default.
    allow_noncommercial_models: bool = False
    # C2PA signing in production (``LIKENESS_C2PA_*``); unset, the local CA signs.
    c2pa_cert_chain: Path | None = None
    c2pa_private_key: Path | None = None
    #: ``package.module:factory`` returning a callback signer (a KMS or HSM).
    c2pa_signer: str | None = None
    c2pa_tsa_url: str | None = None
    c2pa_trust_anchors: Path | None = None
    #: Image engines: ``LIKENESS_ENGINES__ENABLED``, ``LIKENESS_ENGINES__COMFYUI__URL``,
    #: ``LIKENESS_ENGINES__HOSTED__API_KEY``, ``LIKENESS_ENGINES__DIFFUSERS__PATH``…
    engines: EnginesSettings = Field(default_factory=EnginesSettings)
    #: Durable jobs: ``LIKENESS_JOBS__EXECUTOR``, ``__WORKERS``, ``__RAY_ADDRESS``,
    #: ``__LEASE_SECONDS``.
    jobs: JobSettings = Field(default_factory=JobSettings)
    #: Money: ``LIKENESS_LEDGER__PLATFORM_FEE_BPS``, ``__POST_INTERVAL_SECONDS``,
    #: ``__DEBTOR_NAME``, ``__DEBTOR_IBAN``, ``__DEBTOR_BIC``.
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    #: Monitoring: ``LIKENESS_MONITORING__CHANNEL_HOSTS``, ``__NOTICE_CONTACT_NAME``,
    #: ``__NOTICE_CONTACT_EMAIL``.
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)

    @model_validator(mode="after")
    def _backoff_within_window(self) -> Settings:
        if self.login_backoff_max_seconds > self.login_failure_window_seconds:
            raise ValueError(
                "login_backoff_max_seconds must not exceed login_failure_window_seconds "
                "(failures must be remembered at least as long as the longest wait)"
            )
        return self

    @field_validator("trusted_proxies", "allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted proxy {item!r} is not an IP address or network"
                ) from None
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        normalised = []
        for item in value:
            origin = normalise_origin(item)
            if origin is None:
                raise ValueError(f"allowed origin {item!r} is not scheme://host[:port]")
            normalised.append(origin)
        return normalised

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
