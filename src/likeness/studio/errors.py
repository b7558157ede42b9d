"""Errors of the studio renderer (scene files and capture bases)."""

from __future__ import annotations

from likeness.errors import InvalidInput


class StudioError(InvalidInput):
    """A scene or basis the user supplied cannot be used."""


class InvalidScene(StudioError):
    """The scene file is missing, not YAML, or does not match the schema."""


class InvalidBasisFile(StudioError):
    """The basis directory or .npz is missing, unreadable or inconsistent."""
