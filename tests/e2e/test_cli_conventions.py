"""What every `likeness` command shares: exit codes, JSON, option names, id prefixes, width."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import World
from likeness.cli import COMMANDS
from likeness.kit.cli import EXIT_CODES_HELP
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.models.party import Brand


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_documents_the_exit_codes(name: str) -> None:
    code, out = run(name, "--help")
    assert code == 0, out
    assert "Exit codes: 0 success" in out and "3 negative verdict" in out
    assert EXIT_CODES_HELP.startswith("Exit codes: 0 success · 1 error · 2 usage · 3 negative")


def test_root_help_lists_every_command(cli_home: Path) -> None:
    code, out = run("--help")
    assert code == 0
    for name, (_, help_) in COMMANDS.items():
        assert name in out and help_[:20] in out


def test_version() -> None:
    from likeness import __version__

    assert run("--version") == (0, f"likeness {__version__}\n")


def _consent(world: World) -> str:
    end = (utcnow() + timedelta(days=3650)).isoformat()
    created = ok_json(
        "consent", "create", "--talent", world.talent.id, "--purpose", "Build my twin",
        "--end", end, *as_(world, "talent"),
    )  # fmt: skip
    return str(created["id"])


def test_a_tampered_consent_exits_3(world: World, db: Database) -> None:
    consent_id = _consent(world)  # a draft: signed documents are immutable in the database
    code, out = run("consent", "verify", consent_id)
    assert code == 0 and "consent intact" in out
    with db.engine.begin() as connection:
        document = json.loads(
            connection.execute(
                text("SELECT document FROM consents WHERE id = :id"), {"id": consent_id}
            ).scalar_one()
        )
        document["purpose"] = "Something else entirely"
        connection.execute(
            text("UPDATE consents SET document = :doc WHERE id = :id"),
            {"doc": json.dumps(document), "id": consent_id},
        )
    code, out = run("consent", "verify", consent_id)
    assert code == 3 and "consent BROKEN" in out, out
    code, out = run("consent", "verify", consent_id, "--json")
    assert code == 3 and json.loads(out)["document_intact"] is False


def test_failed_qc_exits_3(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from likeness.capture import service

    failed = SimpleNamespace(
        passed=False,
        checks=[SimpleNamespace(code="face", passed=False, detail="no face found")],
        to_dict=lambda: {"passed": False},
    )
    monkeypatch.setattr(service, "run_session_qc", lambda *args, **kwargs: failed)
    code, out = run("capture", "qc", "some-session")
    assert code == 3 and "QC failed" in out and "no face found" in out


def test_old_term_spellings_still_work_but_are_not_shown(world: World) -> None:
    for command in (("consent", "create"), ("representation", "create")):
        code, out = run(*command, "--help")
        assert code == 0 and "--start" in out and "--end" in out
        for old in ("--from", "--until", "--starts", "--ends"):
            assert old not in out, (command, old)
    start, end = utcnow().date(), utcnow().date() + timedelta(days=300)
    agency = ok_json("agency", "create", "Second Agency", "--commission", "10")
    old = ok_json(
        "representation", "create", "--talent", world.talent.id, "--agency", agency["id"],
        "--starts", str(start), "--ends", str(end),
    )  # fmt: skip
    assert old["starts_on"] == str(start) and old["ends_on"] == str(end)
    until = (utcnow() + timedelta(days=30)).isoformat()
    consent = ok_json(
        "consent", "create", "--talent", world.talent.id, "--purpose", "Build my twin",
        "--from", utcnow().isoformat(), "--until", until, *as_(world, "talent"),
    )  # fmt: skip
    assert consent["status"] == "draft"


def _brand_with_id(db: Database, brand_id: str, name: str) -> None:
    with db.unit_of_work() as session:
        session.add(Brand(id=brand_id, name=name))


def test_ids_are_accepted_as_a_unique_prefix(world: World, db: Database) -> None:
    first, second = "abcd0" + "0" * 27, "abcd1" + "1" * 27
    _brand_with_id(db, first, "First")
    _brand_with_id(db, second, "Second")
    user = world.brand_user.id

    code, out = run("brand", "add-member", "abcd", user)
    assert code == 2 and out.count("\n") == 1, out
    assert "ambiguous" in out and first[:12] in out and second[:12] in out
    code, out = run("brand", "add-member", "abc", user)
    assert code == 2 and "at least 4 characters" in out
    code, out = run("brand", "add-member", "ffff", user)
    assert code == 1 and "no brand" in out

    assert run("brand", "add-member", "ABCD1", user[:8]) == (0, "member added\n")
    listed = ok_json("brand", "list", *as_(world, "brand"))
    assert second in {b["id"] for b in listed}

    # the short ids a table prints are accepted back
    consent_id = _consent(world)
    code, table = run("consent", "list", *as_(world, "talent"))
    assert code == 0 and consent_id[:8] in table and consent_id not in table
    shown = ok_json("consent", "show", consent_id[:8], *as_(world, "talent"))
    assert shown["id"] == consent_id


def test_tables_fit_in_80_columns_with_whole_short_ids(world: World) -> None:
    _consent(world)
    ok_json("token", "create", "laptop", *as_(world, "talent"))
    for args in (
        ("consent", "list"),
        ("user", "list"),
        ("talent", "list"),
        ("agency", "list"),
        ("brand", "list"),
        ("representation", "list"),
        ("token", "list", *as_(world, "talent")),
    ):
        code, table = run(*args)
        assert code == 0, table
        assert max(len(line) for line in table.splitlines()) <= 80, (args, table)
        rows = ok_json(*args)
        assert rows, args
        for row in rows:
            assert row["id"][:8] in table, (args, table)
    code, table = run("audit", "log")
    assert code == 0 and max(len(line) for line in table.splitlines()) <= 80, table
    for event in ok_json("audit", "log"):
        assert event["object_id"][:8] in table, table
