from __future__ import annotations

from pathlib import Path

import pytest

from likeness.kit import fonts


def test_matplotlib_ships_the_dejavu_sans_every_report_is_set_in() -> None:
    regular, bold = fonts.dejavu_sans()
    assert regular.name == "DejaVuSans.ttf" and regular.is_file()
    assert bold.name == "DejaVuSans-Bold.ttf" and bold.is_file()


def test_the_system_font_is_found_where_debian_puts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "SYSTEM_FONT_DIRS", (tmp_path / "none", tmp_path))
    assert fonts.unicode_font() is None
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"font")
    assert fonts.unicode_font() == tmp_path / "DejaVuSans.ttf"
