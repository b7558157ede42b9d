"""The payout files: pain.001.001.09 valid against the ISO 20022 XSD, totals that add up,
user text escaped, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema
from defusedxml import ElementTree as SafeET

from likeness.ledger.pain001 import NAMESPACE, Debtor, PayoutItem, build_pain001, to_csv

XSD = Path(__file__).parents[2] / "fixtures" / "iso20022" / "pain.001.001.09.xsd"
NS = {"p": NAMESPACE}
DEBTOR = Debtor(name="Likeness Platform SAS", iban="FR1420041010050500013M02606", bic="PSSTFRPP")
AS_OF = date(2026, 12, 7)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def _item(**changes: object) -> PayoutItem:
    fields: dict[str, object] = {
        "party_kind": "talent",
        "party_id": "a" * 32,
        "holder_name": "Ada Lovelace",
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
        "currency": "EUR",
        "amount": 12345,
        "due_on": date(2026, 11, 30),
        "execution_on": AS_OF,
        "reference": "LK20261207Taaaa",
        "remittance": "Likeness pay",
    }
    fields.update(changes)
    return PayoutItem(**fields)  # type: ignore[arg-type]


ITEMS = [
    _item(),
    _item(party_id="b" * 32, holder_name='Zoë <Brand & Co> "quoted"', bic=None, amount=1),
    _item(
        party_kind="agency", party_id="c" * 32, amount=99_999_999, execution_on=date(2026, 12, 20)
    ),
    _item(party_id="d" * 32, currency="JPY", amount=150_000, iban="GB29NWBK60161331926819"),
    _item(party_id="e" * 32, currency="BHD", amount=1_234, bic="NBOBBHBM"),
]


def _document(items: list[PayoutItem] = ITEMS) -> bytes:
    return build_pain001(
        items,
        DEBTOR,
        message_id="LIKENESS-20261207120000-abcdef01",
        created_at=datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC),
    )


def test_the_file_validates_against_the_iso_20022_xsd(schema: xmlschema.XMLSchema) -> None:
    schema.validate(_document().decode())  # raises with the path of anything invalid


def test_a_file_breaking_the_schema_is_caught(schema: xmlschema.XMLSchema) -> None:
    # The validation is real: an IBAN that is no IBAN fails it.
    bad = _document().replace(b"DE89370400440532013000", b"NOT-AN-IBAN", 1)
    assert not schema.is_valid(bad.decode())


def test_totals_match_an_independent_computation() -> None:
    root = SafeET.fromstring(_document())
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    transfers = root.findall(".//p:CdtTrfTxInf", NS)
    # Independently: each amount in its currency's unit, summed as exact decimals.
    digits = {"EUR": 2, "JPY": 0, "BHD": 3}
    expected = sum(Decimal(i.amount) / (10 ** digits[i.currency]) for i in ITEMS)
    assert header is not None
    assert header.findtext("p:NbOfTxs", namespaces=NS) == str(len(ITEMS)) == str(len(transfers))
    assert Decimal(header.findtext("p:CtrlSum", namespaces=NS) or "") == expected
    blocks = root.findall(".//p:PmtInf", NS)
    assert sum(int(b.findtext("p:NbOfTxs", namespaces=NS) or 0) for b in blocks) == len(ITEMS)
    assert sum(Decimal(b.findtext("p:CtrlSum", namespaces=NS) or 0) for b in blocks) == expected
    for block in blocks:  # each block's sum is its transfers' sum
        amounts = [Decimal(a.text or "") for a in block.findall(".//p:InstdAmt", NS)]
        assert Decimal(block.findtext("p:CtrlSum", namespaces=NS) or "") == sum(amounts)


def test_one_payment_block_per_currency_and_execution_date() -> None:
    root = SafeET.fromstring(_document())
    keys = [
        (
            b.find(".//p:InstdAmt", NS).get("Ccy"),  # type: ignore[union-attr]
            b.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS),
        )
        for b in root.findall(".//p:PmtInf", NS)
    ]
    assert sorted(keys) == sorted({(i.currency, i.execution_on.isoformat()) for i in ITEMS})
    assert len(keys) == len(set(keys)) == 4
    for block in root.findall(".//p:PmtInf", NS):
        assert block.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == DEBTOR.iban
        currencies = {a.get("Ccy") for a in block.findall(".//p:InstdAmt", NS)}
        assert len(currencies) == 1


def test_amounts_carry_their_currency_digits() -> None:
    root = SafeET.fromstring(_document())
    amounts = {(a.get("Ccy"), a.text) for a in root.findall(".//p:InstdAmt", NS)}
    assert amounts == {
        ("EUR", "123.45"),
        ("EUR", "0.01"),
        ("EUR", "999999.99"),
        ("JPY", "150000"),
        ("BHD", "1.234"),
    }


def test_user_text_is_escaped_and_a_missing_bic_is_notprovided() -> None:
    document = _document()
    assert b"<Brand &amp; Co>" not in document and b"&lt;Brand &amp; Co&gt;" in document
    root = SafeET.fromstring(document)
    names = [n.text for n in root.findall(".//p:Cdtr/p:Nm", NS)]
    assert 'Zoë <Brand & Co> "quoted"' in names
    agents = [t.find("p:CdtrAgt/p:FinInstnId", NS) for t in root.findall(".//p:CdtTrfTxInf", NS)]
    assert [a.findtext("p:Othr/p:Id", namespaces=NS) for a in agents if a is not None].count(
        "NOTPROVIDED"
    ) == 1


def test_header_and_debtor() -> None:
    root = SafeET.fromstring(_document())
    header = root.find(".//p:GrpHdr", NS)
    assert header is not None
    assert header.findtext("p:MsgId", namespaces=NS) == "LIKENESS-20261207120000-abcdef01"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-12-07T12:00:00+00:00"
    assert header.findtext("p:InitgPty/p:Nm", namespaces=NS) == DEBTOR.name
    assert root.findtext(".//p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "PSSTFRPP"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        _document([])


def test_csv_one_row_per_payee_and_currency() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(ITEMS))))
    assert [r["amount"] for r in rows] == ["123.45", "0.01", "999999.99", "150000", "1.234"]
    assert rows[1]["payee"] == 'Zoë <Brand & Co> "quoted"'
    assert rows[1]["bic"] == ""
    assert rows[0]["due_on"] == "2026-11-30" and rows[0]["reference"] == "LK20261207Taaaa"
    assert set(rows[0]) >= {"payee", "iban", "bic", "amount", "currency", "due_on", "reference"}


def test_csv_names_cannot_run_as_spreadsheet_formulas() -> None:
    hostile = _item(holder_name='=HYPERLINK("http://evil.example","x")')
    rows = list(csv.DictReader(io.StringIO(to_csv([hostile]))))
    assert rows[0]["payee"] == "'" + '=HYPERLINK("http://evil.example","x")'
