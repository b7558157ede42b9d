"""Documents from outside are bounded in size and nesting before any parser recurses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.errors import InvalidInput
from likeness.kit.documents import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    json_depth,
    read_json,
    read_text,
    read_yaml,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n\u00e9'),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(JSON)
def test_depth_is_the_depth_of_the_value(value: Any) -> None:
    # Brackets, quotes and backslashes inside strings never count.
    assert json_depth(json.dumps(value)) == _depth(value)
    assert json_depth(json.dumps(value, ensure_ascii=False, indent=2)) == _depth(value)


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('"[[[["', 0),
        ('["\\"[[", ["\\\\"]]', 2),  # an escaped quote, then an escaped backslash
        ('["unterminated [[[', 4),  # invalid JSON counts high, never low
    ],
)
def test_depth_table(text: str, depth: int) -> None:
    assert json_depth(text) == depth


@pytest.mark.parametrize("text", ["[" * 5000, "[" * 5000 + "]" * 5000, '{"a":' * 5000])
def test_deep_json_is_refused_without_recursion(text: str) -> None:
    with pytest.raises(InvalidInput, match=f"capture.json nests .* deeper than {MAX_DEPTH}"):
        read_json(text, "capture.json")


def test_json_at_the_depth_limit_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert _depth(read_json(text, "x")) == MAX_DEPTH


def test_invalid_json_is_one_line() -> None:
    with pytest.raises(InvalidInput, match=r"^x.json is not valid JSON \(.*line 1\)$"):
        read_json("{nope", "x.json")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000,
        "- " * 5000 + "x",
        "{a: " * 3000,
        "a:\n" + "".join(" " * n + "- \n" for n in range(1, 200)),
    ],
)
def test_deep_yaml_is_refused_without_recursion(text: str) -> None:
    with pytest.raises(InvalidInput, match=f"scene.yaml nests .* deeper than {MAX_DEPTH}"):
        read_yaml(text, "scene.yaml")


def test_yaml_aliases_are_refused() -> None:
    bomb = "a: &a [1, 2]\nb: [*a, *a, *a]\n"
    with pytest.raises(InvalidInput, match="alias"):
        read_yaml(bomb, "terms.yaml")


def test_yaml_is_read_and_errors_are_one_line() -> None:
    assert read_yaml("lights:\n  - {azimuth_deg: 1}\n", "s") == {"lights": [{"azimuth_deg": 1}]}
    with pytest.raises(InvalidInput, match=r"^s is not valid YAML: .* at line 2, column \d+$"):
        read_yaml("a: [\n", "s")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        read_yaml("!!python/object:os.system {}\n", "s")


def test_size_is_bounded_for_text_and_files(tmp_path: Path) -> None:
    big = " " * MAX_DOCUMENT_BYTES + "{}"
    with pytest.raises(InvalidInput, match=f"over the {MAX_DOCUMENT_BYTES}-byte limit"):
        read_json(big, "big.json")
    with pytest.raises(InvalidInput, match=f"over the {MAX_DOCUMENT_BYTES}-byte limit"):
        read_yaml(big, "big.yaml")
    sparse = tmp_path / "big.json"
    with sparse.open("wb") as f:
        f.truncate(60 * 1024 * 1024)  # 60 MB, refused before a byte is read
    with pytest.raises(InvalidInput, match=f"^big.json is {60 * 1024 * 1024} bytes, over"):
        read_text(sparse, "big.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(InvalidInput, match=r"latin\.json is not UTF-8 text"):
        read_text(latin, "latin.json")
    with pytest.raises(InvalidInput, match=r"cannot read missing\.json"):
        read_text(tmp_path / "missing.json", "missing.json")
