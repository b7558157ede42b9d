"""Exception tree of :mod:`likeness.modelreg`."""

from __future__ import annotations

from likeness.errors import LikenessError


class ModelError(LikenessError, status=500):
    """Base of every error about model files (a server-side configuration problem)."""


class ModelNotRegistered(ModelError):
    """The model name or file is not in the registry."""


class ModelChecksumMismatch(ModelError):
    """The file on disk is not the file the registry vetted (its SHA-256 differs)."""


class ModelLicenseRefused(ModelError):
    """The model's licence forbids commercial use and the operator has not opted in."""


class ModelMissing(ModelError):
    """A registered model file is not installed."""


class ModelManifestInvalid(ModelError):
    """A weights folder's manifest (``likeness-model.json``) is missing or malformed, or the
    folder holds something the manifest does not vouch for (an unlisted file, a symbolic
    link, code, pickled weights)."""
