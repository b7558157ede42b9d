"""`likeness monitor`: cases, review, notice files, one-line errors."""

from __future__ import annotations

import email
from email.policy import default as default_policy
from pathlib import Path

import pytest

from e2e.cli_support import as_, ok_json, run
from integration import monitoring_scan_support as support
from integration.test_license_support import World
from likeness.kit.db import Database


def test_a_talent_reviews_a_case_and_writes_its_notice(
    world: World, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan_id, cases = support.seed(db, world.talent.id)
    case_id = cases["https://fakes.example.com/a.jpg"]
    listed = ok_json("monitor", "cases", *as_(world, "talent"))
    assert {c["id"] for c in listed} == set(cases.values())
    code, out = run("monitor", "case", "show", case_id[:10], *as_(world, "agent"))
    assert code == 0 and "unmarked_match" in out and "opened" in out, out
    code, out = run("monitor", "notice", case_id, *as_(world, "talent"))
    assert code == 1 and out.startswith("error: ") and out.count("\n") == 1, out
    code, out = run("monitor", "case", "confirm", case_id, *as_(world, "talent"))
    assert code == 0 and "confirmed" in out, out
    monkeypatch.chdir(tmp_path)
    code, out = run("monitor", "notice", case_id, *as_(world, "talent"))
    assert code == 0, out
    pdf = tmp_path / f"takedown-{case_id}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    message = email.message_from_bytes(
        (tmp_path / f"takedown-{case_id}.eml").read_bytes(), policy=default_policy
    )
    assert world.talent.legal_name in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    code, out = run("monitor", "notice", case_id, *as_(world, "talent"))
    assert code == 1 and "already exists" in out
    code, out = run("monitor", "notice", case_id, "-o", "n.eml", "--to", "legal@host.example",
                    *as_(world, "talent"))  # fmt: skip
    assert code == 0 and "legal@host.example" in (tmp_path / "n.eml").read_text()
    assert ok_json("monitor", "case", "sent", case_id, *as_(world, "talent"))["status"] == (
        "notice_sent"
    )
    code, out = run("monitor", "case", "dismiss", cases["https://fakes.example.com/b.jpg"],
                    "--reason", "licensed elsewhere", *as_(world, "agent"))  # fmt: skip
    assert code == 0 and "dismissed" in out
    code, out = run("monitor", "case", "close", case_id, *as_(world, "talent"))
    assert code == 1 and "notice_sent" in out and out.count("\n") == 1
    code, out = run("monitor", "scan-show", scan_id)
    assert code == 0 and "unmarked_match" in out


def test_others_get_one_line_errors(world: World, db: Database) -> None:
    _, cases = support.seed(db, world.talent.id)
    case_id = cases["https://fakes.example.com/a.jpg"]
    assert ok_json("monitor", "cases", *as_(world, "brand")) == []
    code, out = run("monitor", "case", "confirm", case_id, *as_(world, "brand"))
    assert code == 1 and "no monitoring case" in out
    code, out = run("monitor", "scan", "s3://x/", *as_(world, "talent"))
    assert code == 1 and "only operators" in out
    code, out = run("monitor", "scan", "/no/such/folder")
    assert code == 1 and out.startswith("error: no folder or file"), out
    code, out = run("monitor", "cases", "--status", "weird")
    assert code == 1 and "no case status" in out


def test_a_scan_of_a_folder_opens_a_case_and_a_recheck_sees_it_removed(
    world: World, db: Database, tmp_path: Path
) -> None:
    from integration.capture_support import ANALYZER
    from reference_photos import portrait_png, portrait_rgb

    rgb = portrait_rgb(0)
    face = ANALYZER.largest_face(rgb)
    assert face is not None
    with db.unit_of_work() as session:
        support.enrol(session, world.talent.id, ANALYZER.embed_aligned(rgb, face))
    folder = tmp_path / "crawl"
    (folder / "www.tiktok.com").mkdir(parents=True)
    found = folder / "www.tiktok.com" / "me.png"
    found.write_bytes(portrait_png(0))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "stranger.png").write_bytes(portrait_png(3))
    code, out = run("monitor", "scan", str(folder))
    assert code == 0 and "succeeded" in out, out
    assert "unmarked_match" in out and "unreadable" in out
    [case] = ok_json("monitor", "cases", *as_(world, "talent"))
    assert case["location"] == str(found) and case["verdict"] == "unmarked_match"
    # Scanning again opens nothing new.
    again = ok_json("monitor", "scan", str(folder))
    assert (again["status"], again["cases_opened"], again["cases_updated"]) == ("succeeded", 0, 1)
    verdicts = sorted(f["verdict"] for f in again["findings"])
    assert verdicts == ["no_match", "unmarked_match", "unreadable"]
    code, out = run("monitor", "case", "confirm", case["id"], *as_(world, "talent"))
    assert code == 0, out
    code, out = run("monitor", "notice", case["id"], "-o", str(tmp_path / "n.pdf"),
                    *as_(world, "talent"))  # fmt: skip
    assert code == 0, out
    assert ok_json("monitor", "case", "sent", case["id"], *as_(world, "talent"))["status"] == (
        "notice_sent"
    )
    [still] = ok_json("monitor", "recheck", *as_(world, "talent"))
    assert still["gone"] is False and still["status"] == "notice_sent"
    found.unlink()
    [gone] = ok_json("monitor", "recheck", case["id"][:12], *as_(world, "agent"))
    assert gone["gone"] is True and gone["status"] == "removed"
