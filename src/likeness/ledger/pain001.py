"""Payout files for a bank, as pure functions: CSV and ISO 20022 ``pain.001.001.09``.

:func:`build_pain001` writes a CustomerCreditTransferInitiationV09 message: a group header
(MsgId, CreDtTm, NbOfTxs, CtrlSum, InitgPty), one payment information block per currency
and requested execution date, all debiting the platform's account (:class:`Debtor`), and
one credit transfer per payee and currency (EndToEndId, InstdAmt with the currency's
ISO 4217 digits, creditor agent BIC or ``NOTPROVIDED``, creditor name and IBAN, remittance
text). The XML is built with :mod:`xml.etree.ElementTree`, which escapes every text and
attribute; user text is never concatenated into markup.

A file is an instruction for the bank, not a payment: nothing is marked paid until the
operator records the payout the bank confirms (``likeness ledger payout``).
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from likeness.kit.spreadsheet import text_cell
from likeness.ledger.banking import format_amount
from likeness.policy import ISO_4217_MINOR_UNITS

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
#: The creditor agent when a payee gave no BIC (IBAN-only transfers, e.g. within SEPA).
NOT_PROVIDED = "NOTPROVIDED"
CSV_COLUMNS = (
    "payee",
    "party_kind",
    "party_id",
    "iban",
    "bic",
    "amount",
    "currency",
    "due_on",
    "execution_on",
    "reference",
)


@dataclass(frozen=True, slots=True)
class Debtor:
    """The platform's bank account that pays (``LIKENESS_LEDGER__DEBTOR_*``)."""

    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class PayoutItem:
    """One transfer to make: everything due to one payee in one currency."""

    party_kind: str
    party_id: str
    holder_name: str
    iban: str
    bic: str | None
    currency: str
    #: minor units
    amount: int
    #: the oldest due date it pays
    due_on: date
    #: when the bank should execute it (the due date, or the file's day if already late)
    execution_on: date
    #: EndToEndId: what the bank's confirmation quotes back (Max35Text)
    reference: str
    #: the remittance text the payee sees (Max140Text)
    remittance: str


def decimal_amount(minor: int, currency: str) -> Decimal:
    """Minor units as an exact decimal in the currency's unit (12345 EUR → 123.45)."""
    return Decimal(minor).scaleb(-ISO_4217_MINOR_UNITS.get(currency, 2))


def control_sum(items: Sequence[PayoutItem]) -> Decimal:
    """The sum of the items' amounts in their units (ISO 20022 CtrlSum: all currencies)."""
    return sum((decimal_amount(i.amount, i.currency) for i in items), Decimal(0))


def _decimal_text(value: Decimal) -> str:
    return f"{value:f}"


def to_csv(items: Sequence[PayoutItem]) -> str:
    """One row per payee and currency; amounts in the currency's decimal form."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow(
            (
                text_cell(item.holder_name),
                item.party_kind,
                item.party_id,
                item.iban,
                item.bic or "",
                format_amount(item.amount, item.currency),
                item.currency,
                item.due_on.isoformat(),
                item.execution_on.isoformat(),
                text_cell(item.reference),
            )
        )
    return out.getvalue()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _agent(parent: ET.Element, tag: str, bic: str | None) -> None:
    institution = _sub(_sub(parent, tag), "FinInstnId")
    if bic:
        _sub(institution, "BICFI", bic)
    else:
        _sub(_sub(institution, "Othr"), "Id", NOT_PROVIDED)


def build_pain001(
    items: Sequence[PayoutItem], debtor: Debtor, *, message_id: str, created_at: datetime
) -> bytes:
    """The pain.001.001.09 document (UTF-8 bytes) for ``items``, debiting ``debtor``."""
    if not items:
        raise ValueError("a pain.001 file needs at least one transfer")
    root = ET.Element("Document", {"xmlns": NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id[:35])
    _sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(items)))
    _sub(header, "CtrlSum", _decimal_text(control_sum(items)))
    _sub(_sub(header, "InitgPty"), "Nm", debtor.name)

    groups: dict[tuple[str, date], list[PayoutItem]] = defaultdict(list)
    for item in items:
        groups[(item.currency, item.execution_on)].append(item)
    for number, ((currency, execution_on), group) in enumerate(sorted(groups.items()), 1):
        block = _sub(initiation, "PmtInf")
        _sub(block, "PmtInfId", f"{message_id[:26]}-{number:04d}"[-35:])
        _sub(block, "PmtMtd", "TRF")
        _sub(block, "NbOfTxs", str(len(group)))
        _sub(block, "CtrlSum", _decimal_text(control_sum(group)))
        if currency == "EUR":
            _sub(_sub(_sub(block, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
        _sub(_sub(block, "ReqdExctnDt"), "Dt", execution_on.isoformat())
        _sub(_sub(block, "Dbtr"), "Nm", debtor.name)
        _sub(_sub(_sub(block, "DbtrAcct"), "Id"), "IBAN", debtor.iban)
        _agent(block, "DbtrAgt", debtor.bic)
        if currency == "EUR":
            _sub(block, "ChrgBr", "SLEV")
        for item in group:
            transfer = _sub(block, "CdtTrfTxInf")
            _sub(_sub(transfer, "PmtId"), "EndToEndId", item.reference)
            _sub(
                _sub(transfer, "Amt"),
                "InstdAmt",
                format_amount(item.amount, item.currency),
                Ccy=item.currency,
            )
            _agent(transfer, "CdtrAgt", item.bic)
            _sub(_sub(transfer, "Cdtr"), "Nm", item.holder_name)
            _sub(_sub(_sub(transfer, "CdtrAcct"), "Id"), "IBAN", item.iban)
            _sub(_sub(transfer, "RmtInf"), "Ustrd", item.remittance)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"
