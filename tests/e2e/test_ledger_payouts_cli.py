"""`likeness ledger payee | payout | collect | overdue | export-payouts` end to end."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from defusedxml import ElementTree as SafeET
from rich.console import Console

from e2e.cli_support import as_, ok_json, run
from integration import pay_support as pay
from integration.test_license_support import World
from likeness.kit import cli as kit_cli
from likeness.kit.clock import utcnow
from likeness.kit.db import Database

XSD = Path(__file__).parents[1] / "fixtures" / "iso20022" / "pain.001.001.09.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
TODAY = utcnow().date()


@pytest.fixture
def money(world: World, db: Database) -> World:
    """Two uses: 100.00 due 15 days ago, 50.00 due in 15 days (15 % commission)."""
    with db.unit_of_work() as session:
        for gross, used in ((10_000, 60), (5_000, 30)):
            pay.post_fee(
                session,
                talent_id=world.talent.id,
                brand_id=world.brand.id,
                agency_id=world.agency.id,
                commission_bps=1500,
                gross=gross,
                used_on=TODAY - timedelta(days=used),
            )
    return world


def test_payee_set_and_show(money: World) -> None:
    world = money
    shown = ok_json(
        "ledger", "payee", "set", "--talent", world.talent.id, "--holder", "Ada Lovelace",
        "--iban", "DE89 3704 0044 0532 0130 00", "--bic", "cobadeffxxx", *as_(world, "talent"),
    )  # fmt: skip
    assert (shown["iban"], shown["bic"]) == (pay.IBAN, "COBADEFFXXX")
    assert ok_json("ledger", "payee", "show", "--talent", world.talent.id)["iban"] == pay.IBAN
    code, out = run("ledger", "payee", "show", "--talent", world.talent.id, *as_(world, "brand"))
    assert code == 1 and out.startswith("error: ") and out.count("\n") == 1
    code, out = run(
        "ledger", "payee", "set", "--talent", world.talent.id, "--holder", "A",
        "--iban", "DE89370400440532013001",
    )  # fmt: skip
    assert code == 1 and "check digits" in out and out.count("\n") == 1
    code, out = run("ledger", "payee", "show")
    assert code == 2 and "exactly one of --talent or --agency" in out


def test_payout_and_collect_with_decimal_amounts(money: World) -> None:
    world = money
    args = ("ledger", "payout", "--talent", world.talent.id, "--currency", "eur")
    first = ok_json(*args, "--amount", "50.5", "--reference", "B-1")
    assert (first["amount"], first["amount_decimal"], first["currency"]) == (5_050, "50.50", "EUR")
    assert ok_json(*args, "--amount", "50.50", "--reference", "B-1")["replayed"] is True
    code, out = run(*args, "--amount", "50.51", "--reference", "B-1")
    assert code == 1 and "already recorded" in out and out.count("\n") == 1
    for amount, why in (("1.234", "decimal places"), ("-3", "positive"), ("0", "more than zero")):
        code, out = run(*args, "--amount", amount, "--reference", "B-2")
        assert code == 1 and why in out and out.startswith("error: "), out
    code, out = run(*args, "--amount", "500", "--reference", "B-3")
    assert code == 1 and "more than" in out
    code, out = run(*args, "--amount", "1", "--reference", "B-4", *as_(world, "talent"))
    assert code == 1 and "operator" in out
    code, out = run(
        "ledger", "collect", "--brand", world.brand.id, "--amount", "100", "--currency", "EUR",
        "--reference", "IN-1",
    )  # fmt: skip
    assert code == 0 and "collection" in out and "EUR 100.00" in out


def test_overdue_json_and_red_rows(money: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world = money
    rows = ok_json("ledger", "overdue", "--talent", world.talent.id)
    assert [(r["outstanding_decimal"], r["overdue"], r["days_late"]) for r in rows] == [
        ("85.00", True, 15),
        ("42.50", False, 0),
    ]
    assert [r["party_kind"] for r in ok_json("ledger", "overdue", *as_(world, "brand"))] == [
        "brand",
        "brand",
    ]
    # The table prints late rows in red.
    recorder = Console(record=True, force_terminal=True, color_system="standard", width=120)
    monkeypatch.setattr(kit_cli, "_consoles", lambda: (recorder, recorder))
    code, _ = run("ledger", "overdue", "--talent", world.talent.id)
    assert code == 0
    late, not_late = [
        line for line in recorder.export_text(styles=True).splitlines() if "talent" in line
    ]
    assert "\x1b[31m" in late and "15 d overdue" in late
    assert "\x1b[31m" not in not_late
    code, out = run("ledger", "overdue", "--as-of", "2026-13-01")
    assert code == 2 and "2026-13-01" in out


def test_export_payouts_pain001_valid_totals_and_problems(
    money: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = money
    out_file = tmp_path / "payouts.xml"
    export = ("ledger", "export-payouts", "--format", "pain001", "--due-within", "30")
    code, out = run(*export, "-o", str(out_file))
    assert code == 1 and "LIKENESS_LEDGER__DEBTOR_NAME" in out and not out_file.exists()

    monkeypatch.setenv("LIKENESS_LEDGER__DEBTOR_NAME", "Likeness Platform SAS")
    monkeypatch.setenv("LIKENESS_LEDGER__DEBTOR_IBAN", "FR14 2004 1010 0505 0001 3M02 606")
    run(
        "ledger", "payee", "set", "--talent", world.talent.id, "--holder", "Ada & Co <Paris>",
        "--iban", pay.IBAN,
    )  # fmt: skip
    code, out = run(*export, "-o", str(out_file))
    # the agency has money due and no bank details: listed, left out, exit 3
    assert code == 3, out
    assert f"problem: agency {world.agency.id} is owed EUR 22.50" in out
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    xmlschema.XMLSchema(str(XSD)).validate(str(out_file))
    root = SafeET.parse(str(out_file)).getroot()
    amounts = [Decimal(a.text or "") for a in root.findall(".//p:InstdAmt", NS)]
    # independently: the talent's net of both uses, 85.00 + 42.50
    assert amounts == [Decimal("127.50")]
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "1"
    assert Decimal(root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) or "") == sum(amounts)
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == "Ada & Co <Paris>"

    run(
        "ledger", "payee", "set", "--agency", world.agency.id, "--holder", "Agency",
        "--iban", pay.AGENCY_IBAN,
    )  # fmt: skip
    csv_file = tmp_path / "payouts.csv"
    code, out = run("ledger", "export-payouts", "-o", str(csv_file), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert [(i["party_kind"], i["amount_decimal"]) for i in report["items"]] == [
        ("agency", "15.00"),
        ("talent", "85.00"),
    ]
    assert csv_file.read_text().count("\n") == 3
    # exporting marks nothing paid
    assert ok_json("ledger", "overdue", "--talent", world.talent.id)[0]["outstanding"] == 8_500
