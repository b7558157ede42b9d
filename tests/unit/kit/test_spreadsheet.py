"""CSV text cells never start a spreadsheet formula."""

from __future__ import annotations

import pytest

from likeness.kit.spreadsheet import text_cell


@pytest.mark.parametrize("value", ["=1+2", "+33 1", "-x", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_cell_that_could_be_a_formula_is_quoted_as_text(value: str) -> None:
    assert text_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Ava Stone", "", "1=1", "Zoë", "O'Neil"])
def test_plain_text_is_left_alone(value: str) -> None:
    assert text_cell(value) == value
