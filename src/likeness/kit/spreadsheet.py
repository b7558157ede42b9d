"""CSV cells a spreadsheet will not run: the one guard every CSV export uses for text.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (OWASP "CSV injection"): a talent's or a
brand's name like ``=HYPERLINK(…)`` would run on the operator's machine. Such text gets a
leading apostrophe, which spreadsheets show as nothing and treat as "this is text".
Numbers are written by the exporter itself and never pass through here.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """``value`` made safe to open in a spreadsheet (unchanged unless it could be a formula)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
