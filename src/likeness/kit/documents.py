"""Reading JSON and YAML documents that come from outside, within fixed bounds.

Python's JSON reader and PyYAML both recurse once per level of nesting, so ``[`` × 5,000
used to end in a ``RecursionError`` traceback (CLI) or a 500 (API). Every document read
here — capture manifests, scene files, license-term files and JSON request bodies — is
held to the same two limits before it is parsed:

- at most :data:`MAX_DOCUMENT_BYTES` bytes, wherever it comes from (a folder, a zip, a
  request), and
- at most :data:`MAX_DEPTH` levels of nested lists and mappings.

YAML documents may not use anchors and aliases either: an alias repeats a subtree
without repeating its bytes, so the size bound would no longer bound the document.

Usage::

    data = read_json(text, source="capture.json", error=ManifestInvalid)
    scene = read_yaml(read_text(path, source=path.name), source=path.name)

Every refusal is one line naming the source, raised as ``error`` (default
:class:`~likeness.errors.InvalidInput`, 422).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path
from typing import Any

from likeness.errors import InvalidInput, LikenessError

#: The largest document read: far above any real manifest (20,000 frames ≈ 3 MB).
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
#: The deepest nesting of lists and mappings accepted; real documents use under ten.
MAX_DEPTH = 64

ErrorFactory = Callable[[str], LikenessError]

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply lists and objects nest in JSON ``text``, without parsing it.

    Linear and without recursion. Escapes are dropped first, so strings are plain
    ``"…"`` runs and cannot hide a bracket; up to the first syntax error (where any
    parser stops) this is the depth a parser would reach.
    """
    bare = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_STEP.__getitem__, bare)), default=0)


def size_problem(size: int, source: str) -> str | None:
    """Why a document of ``size`` bytes is refused, or None."""
    if size > MAX_DOCUMENT_BYTES:
        return f"{source} is {size} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit for a document"
    return None


def json_problem(
    text: str, source: str = "the JSON document", *, size: int | None = None
) -> str | None:
    """Why JSON ``text`` is too large or too deeply nested to parse, or None. ``size``: its
    length in UTF-8 bytes, when the caller has them (else the text is encoded to count)."""
    if size is None:
        size = len(text.encode("utf-8", "surrogatepass"))
    problem = size_problem(size, source)
    if problem is None and json_depth(text) > MAX_DEPTH:
        problem = f"{source} nests lists or objects deeper than {MAX_DEPTH} levels"
    return problem


def check_size(size: int, source: str, error: ErrorFactory = InvalidInput) -> None:
    problem = size_problem(size, source)
    if problem is not None:
        raise error(problem)


def read_text(path: Path, source: str, error: ErrorFactory = InvalidInput) -> str:
    """A document file's UTF-8 text; its size is checked before it is read."""
    try:
        check_size(path.stat().st_size, source, error)
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"{source} is not UTF-8 text") from None
    except OSError as exc:
        raise error(f"cannot read {source}: {exc.strerror}") from None


def read_json(text: str, source: str, error: ErrorFactory = InvalidInput) -> Any:
    """Parse JSON ``text`` within the size and depth bounds."""
    problem = json_problem(text, source)
    if problem is not None:
        raise error(problem)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{source} is not valid JSON ({exc.msg}, line {exc.lineno})") from None


def read_yaml(text: str, source: str, error: ErrorFactory = InvalidInput) -> Any:
    """Parse YAML ``text`` (safe types only) within the size and depth bounds, no aliases."""
    import yaml  # not needed by most commands; loaded when a YAML document is read

    check_size(len(text.encode("utf-8", "surrogatepass")), source, error)
    try:
        depth = 0
        # The event parser is a state machine: it does not recurse, whatever the nesting.
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise error(f"{source} uses a YAML alias (*name); write the value out instead")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise error(f"{source} nests lists or mappings deeper than {MAX_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{source} is not valid YAML: {_yaml_problem(exc)}") from None


def _yaml_problem(exc: Exception) -> str:
    """One line: what is wrong and where (PyYAML's own text spans several lines)."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())
