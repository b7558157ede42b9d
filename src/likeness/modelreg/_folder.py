"""Folders of weights an operator brings (a diffusers pipeline), vouched for by a manifest.

Such a folder is not in :data:`~likeness.modelreg.REGISTRY` (its files are the operator's
choice), so it carries its own record, ``likeness-model.json`` at its root::

    {"name": "sdxl-base-1.0", "license": "openrail++",
     "files": {"unet/diffusion_pytorch_model.safetensors": "<sha256>", ...}}

:func:`write_manifest` writes it (``likeness models manifest FOLDER --license TAG``);
:func:`admit_folder` checks it before anything is loaded: every listed file exists and has
its SHA-256, no file at all is unlisted (whatever its suffix: a sharded index or a config
names other files to load), nothing is a symbolic link or lies outside the folder, no code
and no pickled weights (``.bin``, ``.ckpt``, ``.pt``, ``.pth``, ``.pkl``, or an index that
points at them: loading one runs code) are there, and the licence tag is one the registry
knows to allow commercial use (:mod:`likeness.modelreg._licenses`). A hash or listing
problem is always refused; an unknown or non-commercial licence only unless the operator
opts in (``LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1``; the load is then logged).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from likeness.modelreg._check import OPT_IN_VARIABLE, file_sha256, noncommercial_allowed
from likeness.modelreg._errors import (
    ModelChecksumMismatch,
    ModelLicenseRefused,
    ModelManifestInvalid,
    ModelMissing,
)
from likeness.modelreg._licenses import LICENSES, license_terms, normalise_tag

log = logging.getLogger("likeness.modelreg")

MANIFEST_NAME = "likeness-model.json"
#: Files that hold weights: each must be listed in the manifest.
WEIGHT_SUFFIXES = frozenset(
    {".safetensors", ".bin", ".ckpt", ".pt", ".pth", ".onnx", ".gguf", ".msgpack", ".h5", ".pkl"}
)
#: Files that would run code if a loader were told to trust them: never in a weights folder.
CODE_SUFFIXES = frozenset({".py", ".pyc", ".so"})
#: Weights stored as Python pickles (loading one can run code): never in a weights folder,
#: listed or not; the engines load safetensors only.
PICKLE_SUFFIXES = frozenset({".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle"})
#: How a sharded checkpoint's index is named (``….safetensors.index.json``).
INDEX_SUFFIX = ".index.json"
_SHA_LENGTH = 64


@dataclass(frozen=True)
class FolderManifest:
    """What ``likeness-model.json`` says: a name, a licence tag and every file's SHA-256."""

    name: str
    license: str
    files: Mapping[str, str] = field(default_factory=dict)

    @property
    def weight_files(self) -> tuple[tuple[str, str], ...]:
        """(relative path, SHA-256) of each listed weight file, sorted."""
        return tuple(sorted((p, s) for p, s in self.files.items() if is_weight_file(p)))

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "license": self.license,
            "files": dict(sorted(self.files.items())),
        }


@dataclass(frozen=True)
class AdmittedFolder:
    """A weights folder that may be loaded, with what the registry made of its licence.

    ``commercial_use`` is true only for a known tag that allows it; ``opted_in`` is true
    when only the operator's opt-in let the folder through (``reason`` says why).
    """

    path: Path
    manifest: FolderManifest
    commercial_use: bool
    opted_in: bool = False
    reason: str = ""


def is_weight_file(relative: str) -> bool:
    return PurePosixPath(relative).suffix.lower() in WEIGHT_SUFFIXES


def _folder_files(folder: Path) -> list[str]:
    """Every file under ``folder`` as a relative POSIX path (the manifest itself left out).

    Walks without following links, and refuses (:class:`ModelManifestInvalid`) a symbolic
    link anywhere below the folder, file or folder, and anything that is not a regular
    file or lies outside the folder: a link could put unvetted weights in the way of the
    loader, which does follow it.
    """
    root = folder.resolve()
    out = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        here = Path(directory)
        for name in sorted(subdirectories) + sorted(names):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                raise ModelManifestInvalid(
                    f"{relative} in {folder} is a symbolic link: weights folders hold the "
                    "files themselves (copy them in and rewrite the manifest)"
                )
            if not path.resolve().is_relative_to(root):
                raise ModelManifestInvalid(f"{relative} lies outside {folder}")
            if name in subdirectories:
                continue
            if not path.is_file():
                raise ModelManifestInvalid(f"{relative} in {folder} is not a regular file")
            if relative != MANIFEST_NAME:
                out.append(relative)
    return sorted(out)


def _pickle_problem(folder: Path, relative: str) -> str:
    """Why ``relative`` would have pickled weights loaded, or ``""``."""
    name = PurePosixPath(relative).name.lower()
    if PurePosixPath(name).suffix in PICKLE_SUFFIXES:
        return f"{relative} holds pickled weights"
    if name.endswith(INDEX_SUFFIX):
        stem = name.removesuffix(INDEX_SUFFIX)
        if PurePosixPath(stem).suffix != ".safetensors":
            return f"{relative} indexes shards that are not safetensors"
        try:
            index = json.loads((folder / relative).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return f"{relative} is not a readable shard index"
        weight_map = index.get("weight_map") if isinstance(index, dict) else None
        if not isinstance(weight_map, dict):
            return f"{relative} is not a shard index (no weight_map)"
        for shard in weight_map.values():
            if not isinstance(shard, str) or not shard.lower().endswith(".safetensors"):
                return f"{relative} points at {shard!r}, which is not a safetensors file"
    return ""


def _refuse_code_and_pickles(folder: Path, relatives: list[str]) -> None:
    for relative in relatives:
        if PurePosixPath(relative).suffix.lower() in CODE_SUFFIXES:
            raise ModelManifestInvalid(
                f"{folder} holds code ({relative}): weights folders carry none"
            )
        problem = _pickle_problem(folder, relative)
        if problem:
            raise ModelManifestInvalid(
                f"{folder}: {problem}; weights are loaded from safetensors only (remove it)"
            )


def _safe_relative(folder: Path, relative: str) -> Path:
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in relative:
        raise ModelManifestInvalid(
            f"{folder / MANIFEST_NAME}: {relative!r} is not inside the folder"
        )
    return folder.joinpath(*pure.parts)


def read_manifest(folder: Path) -> FolderManifest:
    """The manifest of ``folder``; :class:`ModelManifestInvalid` if absent or malformed."""
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise ModelMissing(f"model folder {folder} does not exist")
    if not path.is_file():
        raise ModelManifestInvalid(
            f"{folder} has no {MANIFEST_NAME}: write one with "
            f"`likeness models manifest {folder} --license TAG`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelManifestInvalid(f"{path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ModelManifestInvalid(f"{path} must hold a JSON object")
    name, tag, files = data.get("name"), data.get("license"), data.get("files")
    if not isinstance(name, str) or not name.strip():
        raise ModelManifestInvalid(f"{path}: `name` must be a non-empty string")
    if not isinstance(tag, str) or not tag.strip():
        raise ModelManifestInvalid(f"{path}: `license` must be a licence tag such as openrail++")
    if not isinstance(files, dict) or not files:
        raise ModelManifestInvalid(f"{path}: `files` must map relative paths to SHA-256s")
    clean: dict[str, str] = {}
    for relative, sha in files.items():
        _safe_relative(folder, relative)
        if not (
            isinstance(sha, str)
            and len(sha) == _SHA_LENGTH
            and all(c in "0123456789abcdef" for c in sha)
        ):
            raise ModelManifestInvalid(f"{path}: the SHA-256 of {relative} is not 64 hex digits")
        clean[relative] = sha
    return FolderManifest(name.strip(), tag.strip(), clean)


def write_manifest(folder: Path, *, license: str, name: str | None = None) -> FolderManifest:
    """Hash every file of ``folder`` and write its ``likeness-model.json`` (returned).

    Refuses a folder with code (:data:`CODE_SUFFIXES`), pickled weights
    (:data:`PICKLE_SUFFIXES`, or a shard index pointing at them) or a symbolic link in it,
    or without any weight file. The licence tag is written as given; :func:`admit_folder`
    judges it at load time.
    """
    if not folder.is_dir():
        raise ModelMissing(f"model folder {folder} does not exist")
    if not license.strip():
        raise ModelManifestInvalid("give the weights' licence tag (e.g. --license openrail++)")
    relatives = _folder_files(folder)
    _refuse_code_and_pickles(folder, relatives)
    if not any(is_weight_file(r) for r in relatives):
        raise ModelManifestInvalid(
            f"{folder} holds no weight file ({', '.join(sorted(WEIGHT_SUFFIXES))})"
        )
    files = {r: file_sha256(folder / r) for r in relatives}
    manifest = FolderManifest(name or folder.resolve().name, license.strip(), files)
    target = folder / MANIFEST_NAME
    tmp = target.with_name(f".{MANIFEST_NAME}.tmp")
    tmp.write_text(json.dumps(manifest.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)
    return manifest


def _licence_problem(tag: str) -> str:
    terms = license_terms(tag)
    if terms is None:
        known = ", ".join(sorted(LICENSES))
        return f"licence tag {tag!r} is not one the model registry knows (known: {known})"
    if not terms.commercial_use:
        return f"licence {terms.title} ({normalise_tag(tag)}) does not allow commercial use"
    return ""


def admit_folder(folder: Path, *, allow_noncommercial: bool | None = None) -> AdmittedFolder:
    """Check a weights folder before loading it; returns what was admitted.

    Raises :class:`ModelMissing` (no folder, or a listed file is absent),
    :class:`ModelManifestInvalid` (no or a malformed manifest, an unlisted file of any
    kind, a symbolic link, code or pickled weights in the folder),
    :class:`ModelChecksumMismatch` (a file is not the one listed) and,
    unless the operator opted in, :class:`ModelLicenseRefused` (a licence tag unknown to
    the registry, or one that forbids commercial use).
    """
    manifest = read_manifest(folder)
    where = folder / MANIFEST_NAME
    if (folder / MANIFEST_NAME).is_symlink():
        raise ModelManifestInvalid(f"{where} is a symbolic link")
    present = _folder_files(folder)
    _refuse_code_and_pickles(folder, present)
    for relative in present:
        if relative not in manifest.files:
            kind = "weight file" if is_weight_file(relative) else "file"
            raise ModelManifestInvalid(
                f"{kind} {relative} in {folder} is not listed in {where}: remove it, or "
                "rewrite the manifest after checking where it came from"
            )
    for relative, expected in sorted(manifest.files.items()):
        path = _safe_relative(folder, relative)
        if not path.is_file():
            raise ModelMissing(f"{relative}, listed in {where}, is not in the folder")
        actual = file_sha256(path)
        if actual != expected:
            raise ModelChecksumMismatch(
                f"{path} has SHA-256 {actual}, not the {expected} that {where} lists"
            )
    problem = _licence_problem(manifest.license)
    if not problem:
        return AdmittedFolder(folder, manifest, commercial_use=True)
    if not noncommercial_allowed(allow_noncommercial):
        raise ModelLicenseRefused(
            f"model {manifest.name}: {problem}; set {OPT_IN_VARIABLE}=1 to load it anyway "
            "(the load is logged)"
        )
    log.warning("loading model folder %s under %s=1: %s", folder, OPT_IN_VARIABLE, problem)
    return AdmittedFolder(folder, manifest, commercial_use=False, opted_in=True, reason=problem)


def folder_commercial_use(manifest: FolderManifest) -> bool:
    """Whether the registry lets a commercial product use the folder's weights (no opt-in
    counts here: this is what a request under a commercial license is judged by)."""
    return not _licence_problem(manifest.license)
