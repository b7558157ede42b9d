"""The CLI plumbing: a lazy root that imports nothing heavy, shared value types, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import typer

from likeness.cli import COMMANDS
from likeness.kit.cli import (
    TERM_ALIASES,
    ExitCode,
    IsoDate,
    IsoDateTime,
    _rename,
    error_line,
    load_command,
)

#: What `likeness --help` and `--version` must never import (issue 15, plus what else is slow).
HEAVY = (
    "numpy",
    "cv2",
    "fpdf",
    "alembic",
    "fastapi",
    "c2pa",
    "sqlalchemy",
    "PIL",
    "pydantic",
    "rich",
)

_PROBE = """
import json, sys
sys.argv = ["likeness", *{args!r}]
from likeness.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], []])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    probe = _PROBE.format(args=args)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    assert heavy == []
    ours = {m for m in loaded if m.split(".")[0] == "likeness"}
    assert ours <= {
        "likeness",
        "likeness.cli",
        "likeness.errors",
        "likeness.kit",
        "likeness.kit.cli",
        "likeness.kit.signals",  # the stop-signal handler: signal and threading only
    }
    assert "likeness" in result.stdout or args == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_loads(name: str) -> None:
    target, help_ = COMMANDS[name]
    command = load_command(name, target)
    assert command.epilog and "Exit codes" in command.epilog
    assert help_ and len(help_) <= 60  # one short line in the --help listing


def test_exit_codes_are_the_documented_table() -> None:
    assert [(c.name, c.value) for c in ExitCode] == [
        ("OK", 0),
        ("ERROR", 1),
        ("USAGE", 2),
        ("NEGATIVE", 3),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T09:00:00Z", datetime(2026, 5, 1, 9, tzinfo=UTC)),
        ("2026-05-01T09:00:00z", datetime(2026, 5, 1, 9, tzinfo=UTC)),
        (
            "2026-05-01T09:00:00+02:00",
            datetime(2026, 5, 1, 9, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2026-05-01", datetime(2026, 5, 1, tzinfo=UTC)),
    ],
)
def test_date_times_need_a_zone(text: str, expected: datetime) -> None:
    assert IsoDateTime("--at")(text) == expected


@pytest.mark.parametrize("text", ["2026-05-01T09:00:00", "soon", "", "2026-13-01T00:00:00Z"])
def test_bad_date_times_are_usage_errors_naming_the_option(text: str) -> None:
    with pytest.raises(typer.BadParameter, match="with a zone") as caught:
        IsoDateTime("--start")(text)
    assert caught.value.param_hint == "'--start'"


def test_dates() -> None:
    assert IsoDate("--end")(" 2026-01-31 ") == date(2026, 1, 31)
    with pytest.raises(typer.BadParameter, match="date like"):
        IsoDate("--end")("31/01/2026")


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("--until", "--end"),
        ("--until=2027-01-01T00:00:00Z", "--end=2027-01-01T00:00:00Z"),
        ("--starts", "--start"),
        ("--start", "--start"),
        ("--untilx", "--untilx"),
        ("value", "value"),
    ],
)
def test_old_spellings_are_renamed(arg: str, expected: str) -> None:
    assert _rename(arg, TERM_ALIASES) == expected


def test_unknown_errors_are_bugs_not_one_liners() -> None:
    assert error_line(RuntimeError("boom")) is None
    assert error_line(FileNotFoundError(2, "No such file or directory", "x.jpg")) == (
        "No such file or directory: x.jpg"
    )


def test_lazy_and_eager_commands_live_side_by_side() -> None:
    from typer.testing import CliRunner

    from likeness.kit.cli import lazy_group

    app = typer.Typer(
        cls=lazy_group({"audit": ("likeness.audit.cli:app", "The audit chain.")}),
        no_args_is_help=True,
    )

    @app.callback()
    def root() -> None:
        """The root, as likeness.cli has one."""

    @app.command("hello")
    def hello() -> None:
        typer.echo("hi")

    runner = CliRunner()
    listing = runner.invoke(app, ["--help"])
    assert listing.exit_code == 0 and "audit" in listing.output and "hello" in listing.output
    assert runner.invoke(app, ["hello"]).output == "hi\n"
    sub_help = runner.invoke(app, ["audit", "--help"])
    assert sub_help.exit_code == 0 and "verify" in sub_help.output


_FLOOD = """
import typer
from likeness.kit.cli import lazy_group

app = typer.Typer(cls=lazy_group({}), no_args_is_help=True)

@app.callback()
def root() -> None:
    pass

@app.command("flood")
def flood() -> None:
    for n in range(200_000):
        typer.echo(f"line {n}")

app()
"""


def test_a_reader_that_goes_away_stops_the_command_quietly() -> None:
    """`likeness audit log | head`: no 'error: Broken pipe', no traceback; 141 as the shell
    reports a SIGPIPE."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _FLOOD, "flood"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(20).startswith(b"line 0")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert err == ""


def test_the_cli_and_the_policy_read_times_with_one_parser() -> None:
    from likeness.kit.clock import parse_iso
    from likeness.policy import parse_iso as policy_parse_iso

    for text in ("2026-05-01T09:00:00Z", "2026-05-01T09:00:00z", "2026-05-01T11:00:00+02:00"):
        assert IsoDateTime("--at")(text) == parse_iso(text) == policy_parse_iso(text)
    assert parse_iso("2026-05-01T09:00:00").tzinfo is None  # the callers refuse it
