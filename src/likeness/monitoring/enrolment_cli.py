"""`likeness monitor opt-in|opt-out|enrolled TALENT`: a talent's enrolment in monitoring.

The commands live here, not in ``monitoring/cli.py``, so the two branches that build
monitoring merge without conflict: ``cli.py`` adds them to its group with
``enrolment_cli.register(app)`` (one line at its end, under ``# enrolment (mindex)``).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from likeness.kit.cli import (
    AsOption,
    JsonOption,
    cli_session,
    cli_storage,
    id_argument,
    print_fields,
    print_json,
)

TalentId = Annotated[str, id_argument("talent", "talent_profiles")]


def _show(status: Any, json_out: bool) -> None:
    from likeness.monitoring.enrolment_endpoints import enrolment_read

    read = enrolment_read(status)
    if json_out:
        print_json(read.model_dump(mode="json"))
        return
    print_fields(
        {
            "talent": read.talent_id,
            "enrolled": "yes" if read.enrolled else "no",
            "reference embeddings": read.references,
            "opted in": read.opted_in_at or "-",
            "opted out": read.opted_out_at or "-",
        }
    )


def opt_in_command(
    talent: TalentId, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """Enrol a talent in monitoring (the talent, their agent or an operator): their
    reference embeddings (reference photo, twins) are computed and searched by scans.
    Run it again after a new twin version or reference photo to refresh them."""
    from likeness.monitoring import enrolment

    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        status = enrolment.opt_in(session, actor, talent, deps=deps)
    _show(status, json_out)


def opt_out_command(
    talent: TalentId, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """Stop monitoring a talent: their reference embeddings are deleted at once."""
    from likeness.monitoring import enrolment

    with cli_session(as_email) as (session, actor):
        status = enrolment.opt_out(session, actor, talent)
    _show(status, json_out)


def enrolled_command(
    talent: TalentId, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """Whether a talent is enrolled in monitoring, since when and how many references."""
    from likeness.monitoring import enrolment

    with cli_session(as_email) as (session, actor):
        status = enrolment.enrolment_for(session, actor, talent)
    _show(status, json_out)


def register(app: typer.Typer) -> None:
    """Add ``opt-in``, ``opt-out`` and ``enrolled`` to the ``likeness monitor`` group."""
    app.command("opt-in")(opt_in_command)
    app.command("opt-out")(opt_out_command)
    app.command("enrolled")(enrolled_command)


#: The three commands as a group of their own: ``monitoring/cli.py`` registers them on
#: ``likeness monitor`` instead; tests mount this one where that group is absent.
app = typer.Typer(help="Monitoring enrolment: opt a talent in or out.", no_args_is_help=True)
register(app)
