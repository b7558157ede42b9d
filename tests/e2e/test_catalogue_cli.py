"""`likeness catalogue`: a talent opts in with a picture, a brand lists and shows them."""

from __future__ import annotations

from pathlib import Path

from e2e.cli_support import as_, ok_json, run
from integration.test_catalogue import picture
from integration.test_license_support import World


def test_a_talent_opts_in_and_a_brand_finds_them(world: World, tmp_path: Path) -> None:
    photo = tmp_path / "me.png"
    photo.write_bytes(picture())
    saved = ok_json(
        "catalogue", "set", "--public-name", "Ada O.", "--channel", "instagram",
        "--channel", "web", "--category", "fashion", "--currency", "EUR",
        "--rate", "instagram=150000", "--preview", str(photo), *as_(world, "talent"),
    )  # fmt: skip
    assert saved["talent_id"] == world.talent.id and saved["preview"] is True
    code, out = run("catalogue", "list", *as_(world, "brand"))
    assert code == 0, out
    words = " ".join(out.split())  # the table wraps at 80 columns
    assert "Ada O." in out and "instagram 1,500.00 EUR" in words and world.talent.id[:8] in out
    assert world.talent.legal_name not in out
    shown = ok_json("catalogue", "show", world.talent.id[:8], *as_(world, "brand"))
    assert shown["channels"] == ["instagram", "web"]
    target = tmp_path / "preview.jpg"
    code, out = run(
        "catalogue", "preview", world.talent.id, "-o", str(target), *as_(world, "brand")
    )
    assert code == 0, out
    assert target.read_bytes()[:2] == b"\xff\xd8" and saved["preview_sha256"] in out
    code, out = run(
        "catalogue", "preview", world.talent.id, "-o", str(target), *as_(world, "brand")
    )
    assert code == 1 and out.startswith("error: ") and "already exists" in out


def test_errors_are_one_line(world: World) -> None:
    code, out = run(
        "catalogue", "set", "--public-name", "Ada", "--channel", "web", "--category", "fashion",
        "--rate", "tv=12", "--currency", "EUR", *as_(world, "talent"),
    )  # fmt: skip
    assert code == 1 and out.count("\n") == 1 and "'tv'" in out, out
    code, out = run("catalogue", "list", *as_(world, "talent"))
    assert code == 1 and out.startswith("error: the catalogue is for brands and operators")
    code, out = run(
        "catalogue", "set", "--public-name", "Ada", "--channel", "web", "--category", "fashion",
        "--talent", world.talent.id, *as_(world, "agent"),
    )  # fmt: skip
    assert code == 1 and "only the talent themself" in out
    code, out = run("catalogue", "withdraw", *as_(world, "brand"))
    assert code == 1 and "--talent" in out
    code, out = run("catalogue", "set", "--public-name", "Ada", "--channel", "web",
                    "--category", "fashion", "--hidden", *as_(world, "talent"))  # fmt: skip
    assert code == 0 and "hidden from brands" in out
    code, out = run("catalogue", "withdraw", *as_(world, "talent"))
    assert code == 0 and "left the catalogue" in out
