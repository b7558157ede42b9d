"""The CLI end to end: init, parties, tokens, audit, and clear errors for bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from e2e.cli_support import loose_modes, ok_json, run, umask
from likeness import migrations
from likeness.kit.db import Database


@pytest.fixture
def home(cli_home: Path) -> Path:
    return cli_home


def test_init_is_idempotent_and_keys_are_private(home: Path) -> None:
    with umask(0o022):
        code, out = run("init")
    assert code == 0 and "created" in out
    for name in ("secret.key", "master.key", "watermark.key"):
        mode = stat.S_IMODE((home / "keys" / name).stat().st_mode)
        assert mode == 0o600, name
    assert loose_modes(home) == {}  # every file 0600, every folder 0700
    before = {p.name: p.read_bytes() for p in (home / "keys").iterdir()}
    code, out = run("init")
    assert code == 0 and "nothing changed" in out
    assert {p.name: p.read_bytes() for p in (home / "keys").iterdir()} == before


def test_commands_before_init_explain_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "nothing"))
    monkeypatch.delenv("LIKENESS_DATABASE_URL", raising=False)
    code, out = run("user", "list")
    assert code == 1 and "likeness init" in out and "Traceback" not in out
    assert not (tmp_path / "nothing").exists()


def test_parties_and_tokens_through_the_cli(home: Path) -> None:
    run("init")
    code, out = run(
        "user",
        "create",
        "lea@example.com",
        "--role",
        "brand",
        "--name",
        "Lea",
        "--password",
        "long-enough-pw",
        "--json",
    )
    assert code == 0, out
    user_id = json.loads(out)["id"]
    code, out = run("brand", "create", "Maison", "--json")
    brand_id = json.loads(out)["id"]
    assert run("brand", "add-member", brand_id, user_id)[0] == 0
    code, out = run("token", "create", "ci", "--as", "lea@example.com")
    assert code == 0 and "lk_" in out
    code, out = run("token", "list", "--as", "lea@example.com")
    assert "ci" in out and "lk_" in out  # prefix only
    created = json.loads(run("token", "create", "ci2", "--as", "lea@example.com", "--json")[1])
    assert created["token"].startswith(created["prefix"]) and created["name"] == "ci2"
    listed = json.loads(run("token", "list", "--as", "lea@example.com", "--json")[1])
    assert {t["name"] for t in listed} == {"ci", "ci2"}
    assert all("token" not in t for t in listed)  # the secret is shown once, at creation
    # the table's short id is accepted back
    assert created["id"][:8] in run("token", "list", "--as", "lea@example.com")[1]
    code, out = run("token", "revoke", created["id"][:8], "--as", "lea@example.com")
    assert code == 0 and created["id"] in out
    code, out = run("brand", "create", "Other", "--as", "lea@example.com")
    assert code == 1 and "only an operator" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("agency", "create", "Greedy", "--commission", "25"), "20 % cap"),
        (("agency", "create", "Neg", "--commission", "-1"), "greater than or equal"),
        (("user", "create", "not-an-email", "--role", "brand", "--name", "X"), "valid email"),
        (
            (
                "user",
                "create",
                "x@example.com",
                "--role",
                "brand",
                "--name",
                "X",
                "--password",
                "short",
            ),
            "at least 10",
        ),
        (("token", "revoke", "nope"), "no token"),
        (("user", "list", "--as", "ghost@example.com"), "no active user"),
        (("agency", "create", "Inf", "--commission", "inf"), "finite number"),
        (
            (
                "representation",
                "create",
                "--talent",
                "nobody",
                "--agency",
                "nowhere",
                "--starts",
                "9998-06-01",
                "--ends",
                "9999-01-01",
            ),
            "no agency",
        ),
        (("db", "upgrade", "bogus"), "migration"),
        (("db", "downgrade", "base"), "--yes"),
        (("audit", "verify", "--expect", "12"), "SEQ:HASH"),
        # How Python hands over an argument whose bytes are not UTF-8 (surrogateescape).
        (("agency", "create", "Caf\udce9", "--commission", "10"), "not valid UTF-8"),
        (("audit", "log", "--since", "0001-01-01T00:00:00+05:00"), "between 1900-01-01"),
    ],
)
def test_bad_input_gives_one_clear_line(home: Path, args: tuple[str, ...], message: str) -> None:
    run("init")
    code, out = run(*args)
    assert code == 1, out
    assert message in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (
                *("representation", "create", "--talent", "nobody", "--agency", "nowhere"),
                *("--start", "soon", "--end", "2027-01-01"),
            ),
            "date like",
        ),
        (("agency", "add-member", "abc", "nobody"), "at least 4 characters"),
        (("decide", "--twin", "x", "--brand", "y", "--action", "sell", "--channel", "c"), "sell"),
        (("user", "list", "--bogus"), "No such option"),
        (("no-such-command",), "No such command"),
        (("licence", "list"), "Did you mean 'license'?"),
    ],
)
def test_usage_errors_exit_2_on_one_line(home: Path, args: tuple[str, ...], message: str) -> None:
    run("init")
    code, out = run(*args)
    assert code == 2, out
    assert out.startswith("error: ") and out.count("\n") == 1 and message in out, out


def test_audit_verify_catches_tampering(home: Path, db: Database) -> None:
    run("init")
    run("brand", "create", "A")
    run("brand", "create", "B")
    code, out = run("audit", "verify")
    assert code == 0 and "OK" in out
    code, out = run("audit", "log", "--json")
    assert [e["action"] for e in json.loads(out)] == ["brand.created", "brand.created"]
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'operator:mallory' WHERE seq = 1"))
    code, out = run("audit", "verify")
    assert code == 3 and "event 1" in out


def test_db_current_reports_head(home: Path) -> None:
    run("init")
    code, out = run("db", "current")
    assert code == 0 and "up to date" in out
    head = migrations.head_revision()
    assert ok_json("db", "current") == {"current": head, "head": head, "up_to_date": True}
    assert ok_json("init")["created"] == []  # already initialised


def test_unreachable_database_is_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    code, out = run("user", "list")
    assert code == 1 and out.startswith("error: database") and "Traceback" not in out


def test_home_that_is_a_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "file"))
    monkeypatch.delenv("LIKENESS_DATABASE_URL", raising=False)
    code, out = run("init")
    assert code == 1 and "is not a directory" in out and "Traceback" not in out


def test_verify_records_a_checkpoint_and_catches_a_rollback(home: Path, db: Database) -> None:
    run("init")
    run("brand", "create", "A")
    run("brand", "create", "B")
    assert run("audit", "verify")[0] == 0
    assert (home / "keys" / "audit.checkpoint").read_text().startswith("2:")
    with db.engine.begin() as connection:
        head = connection.execute(text("SELECT seq, hash, mac FROM audit_head")).one()
        first = connection.execute(text("SELECT hash FROM audit_events WHERE seq = 1")).scalar()
    # roll the log back to one event, with a genuinely sealed older head replayed
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    code, out = run("audit", "verify")
    assert code == 3, out
    assert head.seq == 2 and first


def test_database_errors_fit_on_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    code, out = run("db", "current")
    assert code == 1 and out.count("\n") == 1, out


def test_representation_help_says_who_may_record_one() -> None:
    # The code lets the operator or the talent themself record it, never the agency.
    code, out = run("representation", "create", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "the operator, or the talent themself" in text and "agency's agent" not in text
