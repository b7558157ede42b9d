"""The mutation gate's rule for message-text mutants (decision 0013)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def _gate() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "tools" / "mutation_score.py"
    spec = importlib.util.spec_from_file_location("mutation_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _diff(before: str, after: str) -> str:
    minus = "\n".join("-" + line for line in before.splitlines())
    plus = "\n".join("+" + line for line in after.splitlines())
    return f"--- a.py\n+++ a.py\n@@ -1,2 +1,2 @@\n def f():\n{minus}\n{plus}\n     return x"


MESSAGE = [
    (
        'raise InvalidInput("commission cannot be negative")',
        'raise InvalidInput("XXcommission cannot be negative XX")',
    ),
    (
        'raise InvalidInput("commission cannot be negative")',
        'raise InvalidInput("COMMISSION CANNOT BE NEGATIVE")',
    ),
    ('raise InvalidInput("commission cannot be negative")', "raise InvalidInput(None)"),
    ('"the license is limited to "\n+ ", ".join(t)\n+ "; say where",', "None,"),
]
BEHAVIOUR = [
    ('if unicodedata.category(ch) == "Cc":', 'if unicodedata.category(ch) == "XXCcXX":'),
    ('("starts_at", terms.starts_at),', '("STARTS_AT", terms.starts_at),'),
    ("if len(name) > 200:", "if len(name) >= 200:"),
    ('Reason(R.ALLOW, "covers it", lic.license_id)', 'Reason(R.ALLOW, "covers it", None)'),
    ('if a > 1 and "x y" in s:', 'if a >= 1 and "XXx yXX" in s:'),
]


@pytest.mark.parametrize(("before", "after"), MESSAGE)
def test_prose_literal_changes_are_message_text(before: str, after: str) -> None:
    assert _gate().is_message_text(_diff(before, after))


@pytest.mark.parametrize(("before", "after"), BEHAVIOUR)
def test_everything_else_is_scored(before: str, after: str) -> None:
    assert not _gate().is_message_text(_diff(before, after))
