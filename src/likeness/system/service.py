"""`likeness init`: create the data home, its keys and the database, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from likeness import migrations
from likeness.errors import ConfigurationError
from likeness.kit.files import private_dir
from likeness.settings import DEVELOPMENT_SECRET, Settings
from likeness.system.keys import ensure_key, platform_key_specs


@dataclass
class InitReport:
    created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


def init_home(settings: Settings) -> InitReport:
    report = InitReport()
    home = settings.home_path
    if home.exists() and not home.is_dir():
        raise ConfigurationError(f"LIKENESS_HOME {home} exists and is not a directory")
    for directory in (home, settings.keys_dir, settings.blobs_dir):
        existed = directory.exists()
        private_dir(directory)  # 0700 whatever the umask; an older, open one is tightened
        if not existed:
            report.created.append(f"directory {directory}")
    for spec in platform_key_specs():
        if ensure_key(settings.keys_dir, spec):
            report.created.append(f"{spec.description}: {settings.keys_dir / spec.filename}")
    _extra_key_material(settings, report)
    _migrate(settings, report)
    _seal_audit_chain(settings, report)
    settings.platform_secret()  # proves the result is usable in this environment
    return report


def _seal_audit_chain(settings: Settings, report: InitReport) -> None:
    """Seal an empty chain's genesis and start its checkpoint (also for older installs)."""
    from likeness.audit.service import seal_genesis
    from likeness.runtime import Runtime

    runtime = Runtime.from_settings(settings)
    try:
        with runtime.db.unit_of_work() as session:
            line = seal_genesis(session)
    finally:
        runtime.close()
    if line:
        report.created.append(line)


def _extra_key_material(settings: Settings, report: InitReport) -> None:
    from likeness.provenance.keys import ensure_signing_material

    for line in ensure_signing_material(settings.keys_dir):
        if line.startswith("note:"):
            report.notes.append(line.removeprefix("note:").strip())
        else:
            report.created.append(line.removeprefix("created ").strip())


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def require_installed(settings: Settings) -> None:
    """Refuse to work on a data home that `likeness init` has not set up (or is outdated).

    Checks before touching anything, so a mistyped LIKENESS_HOME leaves nothing behind.
    """
    url = settings.resolved_database_url
    if settings.database_url is None and not (settings.home_path / "likeness.db").exists():
        raise ConfigurationError(
            f"no Likeness installation at {settings.home_path}: run `likeness init` first"
        )
    current, head = migrations.current_revision_for_url(url), migrations.head_revision()
    if current is None:
        raise ConfigurationError(
            f"no Likeness database at {_safe_url(url)}: run `likeness init` first"
        )
    if current != head:
        raise ConfigurationError(
            f"database is at revision {current}, code expects {head}: run `likeness db upgrade`"
        )


def check_servable(settings: Settings, host: str) -> None:
    """Refuse to serve an uninitialised or outdated database, or a public dev secret."""
    require_installed(settings)
    if settings.platform_secret() == DEVELOPMENT_SECRET and host not in LOOPBACK_HOSTS:
        raise ConfigurationError(
            "refusing to listen beyond loopback with the development secret: run `likeness init`"
        )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy settings: believe X-Forwarded-For/-Proto only from
    LIKENESS_TRUSTED_PROXIES (uvicorn alone would believe any local process)."""
    proxies = list(settings.trusted_proxies)
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}


def _migrate(settings: Settings, report: InitReport) -> None:
    url = settings.resolved_database_url
    before = migrations.current_revision_for_url(url)
    head = migrations.head_revision()
    if before != head:
        migrations.upgrade(url)
        report.created.append(f"database {_safe_url(url)} migrated {before or 'empty'} -> {head}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
