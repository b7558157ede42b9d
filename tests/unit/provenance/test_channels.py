"""Every channel a license may name by default can be released: each has a stamp preset."""

from __future__ import annotations

from likeness.policy import DEFAULT_CHANNELS
from likeness.provenance import PRESETS, Channel


def test_every_default_channel_has_a_release_preset() -> None:
    assert {Channel(name) for name in DEFAULT_CHANNELS} == set(PRESETS)


def test_each_preset_is_filed_under_its_own_channel() -> None:
    assert all(preset.channel is channel for channel, preset in PRESETS.items())
