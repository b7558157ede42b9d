"""The JSON text check on its own: what counts as a lone surrogate."""

from __future__ import annotations

import json

from likeness.api.text import has_lone_surrogate


def test_lone_surrogates_anywhere_are_found() -> None:
    assert has_lone_surrogate(json.loads('"\\ud800"'))
    assert has_lone_surrogate(json.loads('{"a": ["ok", {"b": "x\\udfff"}]}'))
    assert has_lone_surrogate(json.loads('{"\\udc00": 1}'))


def test_valid_text_and_other_values_pass() -> None:
    assert not has_lone_surrogate(json.loads('{"a": "\\ud83d\\ude00", "n": 1, "z": null}'))
    assert not has_lone_surrogate(json.loads('[true, 2.5, "caf\\u00e9"]'))
