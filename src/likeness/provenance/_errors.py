"""The provenance exception tree (re-exported from :mod:`likeness.provenance`)."""

from __future__ import annotations

from likeness.errors import ConfigurationError, InvalidInput, LikenessError


class ProvenanceError(LikenessError):
    """Base of every error raised by :mod:`likeness.provenance`."""


class ImageRejected(ProvenanceError, InvalidInput):
    """The bytes are not an image we can stamp (format, size, corruption)."""


class StampRefused(ProvenanceError, InvalidInput):
    """The stamp request itself is wrong (bad IDs, label text the font cannot draw)."""


class SigningConfigurationError(ProvenanceError, ConfigurationError):
    """Signing material is missing, expired, mismatched or unusable by C2PA."""


class SigningFailed(ProvenanceError, status=500):
    """The C2PA SDK refused to sign (raised only after start-up checks passed)."""
