"""The JSON text check on its own: UTF-8 only, and no lone surrogate escapes."""

from __future__ import annotations

import pytest

from likeness.web.text import lone_surrogate_escape, text_problem


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ('"\\ud800"', 1),
        ('{"a": ["ok", {"b": "x\\udfff"}]}', 21),
        ('{"\\udc00": 1}', 2),
        ('"\\ud83d x \\ude00"', 1),  # both halves, but not next to each other
        ('"\\ud83d\\ud83d\\ude00"', 1),  # a high half followed by a proper pair
        ('"end \\ud83d"', 5),
    ],
)
def test_lone_surrogate_escapes_are_found(text: str, at: int) -> None:
    assert lone_surrogate_escape(text) == at


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\ud83d\\ude00", "n": 1, "z": null}',
        '[true, 2.5, "caf\\u00e9"]',
        '"\\\\ud800"',  # an escaped backslash, then the letters "ud800"
        '"\\\\\\\\ud800 \\" \\n"',
        "",
    ],
)
def test_valid_text_passes(text: str) -> None:
    assert lone_surrogate_escape(text) is None
    assert text_problem(text.encode()) is None


def test_bodies_that_are_not_utf8_are_named() -> None:
    raw_surrogate = b'{"name": "A\xed\xa0\x80"}'
    assert "must be UTF-8" in (text_problem(raw_surrogate) or "")
    assert "must be UTF-8" in (text_problem('{"a": "b"}'.encode("utf-16-le")) or "")
    assert "lone surrogate" in (text_problem(b'{"a": "\\udc00"}') or "")


def test_deep_nesting_is_scanned_without_recursion() -> None:
    deep = "[" * 100_000 + '"\\u0041"' + "]" * 100_000
    assert lone_surrogate_escape("[" * 100_000 + '"\\udc00"') == 100_001
    # The one document bound (likeness.kit.documents) refuses it before any parser runs.
    assert "nests lists or objects deeper than 64 levels" in (text_problem(deep.encode()) or "")
    shallow = "[" * 64 + "]" * 64
    assert text_problem(shallow.encode()) is None


def test_the_body_is_measured_in_the_bytes_it_came_in(monkeypatch: pytest.MonkeyPatch) -> None:
    from likeness.kit import documents
    from likeness.web import text

    body = ('{"name": "' + "é" * 40 + '"}').encode()
    seen: list[int | None] = []
    real = documents.json_problem

    def spy(source_text: str, source: str = "", *, size: int | None = None) -> str | None:
        seen.append(size)
        return real(source_text, source, size=size)

    monkeypatch.setattr(text, "json_problem", spy)
    assert text_problem(body) is None
    assert seen == [len(body)]  # the bytes it has, not the text encoded again
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", len(body) - 1)
    problem = text_problem(body)
    assert problem is not None and f"is {len(body)} bytes" in problem
