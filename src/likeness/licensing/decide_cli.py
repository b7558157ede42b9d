"""``likeness decide``: one decision, with every reason.

Its own module so that the command loads only the decision point (a decision is asked
often, from scripts): not the negotiation, signing and shredding use cases of ``cli.py``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from likeness.kit.cli import (
    AsOption,
    AtOption,
    BrandOption,
    JsonOption,
    cli_session,
    console,
    id_option,
    negative,
    print_json,
)
from likeness.licensing import decision
from likeness.licensing.schemas import UseIn
from likeness.policy import Action


def decide_command(
    twin: Annotated[
        str,
        id_option(
            "twin or talent",
            "twins",
            "talent_profiles",
            name="--twin",
            help="Twin id (or a talent id: all of that talent's twins); a prefix will do.",
        ),
    ],
    brand: BrandOption,
    action: Annotated[Action, typer.Option("--action")],
    channel: Annotated[str, typer.Option("--channel")],
    territory: Annotated[str | None, typer.Option("--territory", help="ISO 3166 code.")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    license_id: Annotated[
        str | None,
        id_option(
            "license",
            "licenses",
            name="--license",
            help="The license this use is made under (a unique prefix will do). Without it, "
            "a use that several of the brand's licenses would each cover is denied "
            "(license.ambiguous).",
        ),
    ] = None,
    at: AtOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """May this brand do this with this twin? Exit 0 allow, 3 deny."""
    body = UseIn.model_validate(
        {
            "twin": twin,
            "brand_id": brand,
            "action": action,
            "channel": channel,
            "territory": territory,
            "category": category,
            "at": at,
            "license_id": license_id,
        }
    )
    with cli_session(as_email) as (session, actor):
        result = decision.decide_use(session, actor, body)
    if json_out:
        print_json(result.to_dict())
    else:
        verdict = "[green]ALLOW[/green]" if result.allow else "[red]DENY[/red]"
        console.print(f"{verdict} {action.value} on {result.use.channel}")
        for reason in result.reasons:
            console.print(f"  {reason.code}: {reason.message}")
        for obligation in result.obligations:
            console.print(f"  must: {obligation.message}")
        for fee in result.fees:
            console.print(f"  fee: {fee.amount_minor} {fee.currency} ({fee.description})")
        for candidate in result.candidate_license_ids:
            console.print(f"  candidate license: {candidate}")
    if not result.allow:
        raise negative()
