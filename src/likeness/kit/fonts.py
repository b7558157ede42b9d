"""The fonts Likeness's PDFs are set in (consent documents, statements, reports, notices).

DejaVu Sans covers every script a name is written in here. Two sources: the system's
copy (Debian's ``fonts-dejavu-core``), which consent documents and notices use when it is
there, falling back to the PDF core fonts with :func:`latin1` text; and matplotlib's own
copy, always installed with it, which statements and reports use (their charts are drawn
with matplotlib in the same face).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def unicode_font() -> Path | None:
    """The system's DejaVu Sans, or ``None`` (then write :func:`latin1` text in a core font)."""
    for directory in SYSTEM_FONT_DIRS:
        candidate = directory / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


def dejavu_sans() -> tuple[Path, Path]:
    """Matplotlib's DejaVu Sans, regular and bold (installed with matplotlib)."""
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"


#: Letters that Unicode decomposition does not reduce to a Latin-1 base letter.
_TRANSLITERATE = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Œ": "OE",
        "œ": "oe",
        "ı": "i",
        "—": "-",
        "–": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
    }
)


def latin1(text: str) -> str:
    """Core fonts only know Latin-1: keep what fits, transliterate the rest."""
    out = []
    for char in text.translate(_TRANSLITERATE):
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            stripped = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore")
            out.append(stripped.decode("latin-1") or "?")
    return "".join(out)
