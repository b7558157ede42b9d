"""Finding, verifying and admitting model files."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from likeness.modelreg._errors import (
    ModelChecksumMismatch,
    ModelLicenseRefused,
    ModelMissing,
    ModelNotRegistered,
)
from likeness.modelreg._registry import REGISTRY, ModelEntry

log = logging.getLogger("likeness.modelreg")

#: The environment variable behind ``Settings.allow_noncommercial_models``.
OPT_IN_VARIABLE = "LIKENESS_ALLOW_NONCOMMERCIAL_MODELS"

_hash_lock = threading.Lock()
_hashes: dict[tuple[str, int, int], str] = {}
_warned: set[str] = set()


@dataclass(frozen=True)
class AdmittedModel:
    """A model that may be loaded: its entry (``None`` if unregistered) and file.

    ``opted_in`` is true when only the operator's opt-in let it through; ``reason`` then
    says why it needed one.
    """

    name: str
    entry: ModelEntry | None
    path: Path | None
    sha256: str | None
    opted_in: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "commercial_use": self.entry.commercial_use if self.entry else False,
            "opted_in": self.opted_in,
        }


@dataclass(frozen=True)
class ModelStatus:
    """What ``likeness models`` shows for one entry."""

    entry: ModelEntry
    path: Path | None
    package_version: str | None
    status: str  # ok, built-in, missing, checksum-mismatch, refused-noncommercial

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "built-in")

    def to_dict(self) -> dict[str, object]:
        e = self.entry
        return {
            "name": e.name,
            "file": e.file,
            "path": str(self.path) if self.path else None,
            "package": e.package,
            "package_version": self.package_version,
            "sha256": e.sha256,
            "license": e.license,
            "commercial_use": e.commercial_use,
            "used_for": e.used_for,
            "source": e.source,
            "note": e.note,
            "status": self.status,
            "ok": self.ok,
        }


def entries() -> tuple[ModelEntry, ...]:
    """Every registered model, in registry order."""
    return REGISTRY


def registered(name: str) -> ModelEntry:
    """The entry called ``name``; :class:`ModelNotRegistered` if there is none."""
    for entry in REGISTRY:
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in REGISTRY)
    raise ModelNotRegistered(f"model {name!r} is not in the model registry (known: {known})")


def noncommercial_allowed(allow: bool | None = None) -> bool:
    """The operator's opt-in: ``allow`` if given, else the setting."""
    if allow is not None:
        return allow
    from likeness.settings import Settings

    return Settings().allow_noncommercial_models


def locate(entry: ModelEntry) -> Path | None:
    """Where ``entry``'s file is installed, or ``None``; the package is not imported.

    ``find_spec`` reads the package's location without running its ``__init__`` (that of
    ``face_recognition_models`` imports the removed ``pkg_resources``).
    """
    if entry.file is None:
        return None
    try:
        spec = importlib.util.find_spec(entry.module)
    except (ImportError, ValueError):
        return None
    for location in list(spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / entry.folder / entry.file
        if path.is_file():
            return path
    return None


def file_sha256(path: Path) -> str:
    """SHA-256 of ``path``, computed once per process while its size and mtime hold."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        cached = _hashes.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    with _hash_lock:
        _hashes[key] = value
    return value


def package_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _opt_in(
    name: str, entry: ModelEntry | None, path: Path | None, sha: str | None, reason: str
) -> AdmittedModel:
    if name not in _warned:
        _warned.add(name)
        log.warning("loading model %s under %s=1: %s", name, OPT_IN_VARIABLE, reason)
    return AdmittedModel(name, entry, path, sha, opted_in=True, reason=reason)


def _by_hash(sha: str | None) -> ModelEntry | None:
    return next((e for e in REGISTRY if sha is not None and e.sha256 == sha), None)


def _refusal(reason: str) -> str:
    return f"{reason}; set {OPT_IN_VARIABLE}=1 to load it anyway (the load is logged)"


@dataclass(frozen=True)
class _Finding:
    """What the installed copy of one entry is, before any opt-in: the one verdict that
    :func:`admit` acts on and :func:`inventory` reports."""

    path: Path | None
    sha256: str | None
    status: str  # ok, built-in, missing, checksum-mismatch, refused-noncommercial
    reason: str = ""


#: The refusals an operator's opt-in lifts, with the error each raises otherwise.
_REFUSALS: dict[str, type[ModelChecksumMismatch | ModelLicenseRefused]] = {
    "checksum-mismatch": ModelChecksumMismatch,
    "refused-noncommercial": ModelLicenseRefused,
}


def _examine(entry: ModelEntry) -> _Finding:
    """Find ``entry``'s file, check its hash, then its licence; the first problem wins."""
    name = entry.name
    path, sha = None, None
    if entry.file is not None:
        path = locate(entry)
        if path is None:
            return _Finding(
                None,
                None,
                "missing",
                f"model {name} ({entry.file}) is not installed: install `{entry.package}`",
            )
        sha = file_sha256(path)
        if sha != entry.sha256:
            return _Finding(
                path,
                sha,
                "checksum-mismatch",
                f"model file {path} has SHA-256 {sha}, not the {entry.sha256} the registry "
                f"vetted for {name}",
            )
    if not entry.commercial_use:
        return _Finding(
            path,
            sha,
            "refused-noncommercial",
            f"model {name} may not be used commercially (licence: {entry.license})",
        )
    return _Finding(path, sha, "built-in" if entry.file is None else "ok")


def admit(name: str, *, allow_noncommercial: bool | None = None) -> AdmittedModel:
    """Check the registered model ``name`` before it is loaded.

    Raises :class:`ModelNotRegistered` for an unknown name, :class:`ModelMissing` when
    its file is not installed, and — unless the operator opted in —
    :class:`ModelChecksumMismatch` when the file is not the one vetted and
    :class:`ModelLicenseRefused` when its licence forbids commercial use.
    """
    entry = registered(name)
    found = _examine(entry)
    if found.status == "missing":
        raise ModelMissing(found.reason)
    refused = _REFUSALS.get(found.status)
    if refused is not None:
        if not noncommercial_allowed(allow_noncommercial):
            raise refused(_refusal(found.reason))
        return _opt_in(name, entry, found.path, found.sha256, found.reason)
    return AdmittedModel(name, entry, found.path, found.sha256)


def admit_file(path: Path, *, allow_noncommercial: bool | None = None) -> AdmittedModel:
    """Check an arbitrary model file (e.g. one an operator points at) by its content."""
    if not path.is_file():
        raise ModelMissing(f"model file {path} does not exist")
    sha = file_sha256(path)
    entry = _by_hash(sha)
    if entry is None:
        reason = f"model file {path} (SHA-256 {sha}) is not in the model registry"
        if not noncommercial_allowed(allow_noncommercial):
            raise ModelNotRegistered(_refusal(reason))
        return _opt_in(path.name, None, path, sha, reason)
    return admit(entry.name, allow_noncommercial=allow_noncommercial)


def inventory(*, allow_noncommercial: bool | None = None) -> list[ModelStatus]:
    """Every registered model with its installed file and whether :func:`admit` would
    load it now (``ok`` where the operator's opt-in lifts a refusal)."""
    allowed = noncommercial_allowed(allow_noncommercial)
    out = []
    for entry in REGISTRY:
        version = package_version(entry.package)
        found = _examine(entry)
        status = found.status
        if status == "built-in" and version is None:
            status = "missing"
        elif status in _REFUSALS and allowed:
            status = "ok"
        out.append(ModelStatus(entry, found.path, version, status))
    return out
