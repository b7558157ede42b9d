"""The license terms form: the same terms as ``likeness license request|propose|counter``
(the CLI's term options), typed into one HTML form and read into the API's ``TermsIn``.

Lists (channels, territories, categories, processors) are typed separated by commas or
spaces; per-use fees as ``channel=amount`` pairs, like ``--per-use-fee``; dates as
calendar days (00:00 UTC). :func:`read_terms` returns the terms, or the typed values with
an error message per field, so the page can show the form again as it was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from likeness.licensing.schemas import TermsIn
from likeness.policy import ApprovalMode

#: The form's fields, in the order the form shows them.
FIELDS = (
    "channels",
    "territories",
    "categories",
    "exclusive_categories",
    "starts_on",
    "ends_on",
    "max_outputs",
    "approval_mode",
    "currency",
    "creation_fee_minor",
    "per_output_fee_minor",
    "per_use_fees",
    "commission_bps",
    "takedown_days",
    "payment_days",
    "purpose",
    "delegate_review",
    "processors",
)
#: ``TermsIn`` field → the form field that carries it.
_FORM_FIELD = {
    "starts_at": "starts_on",
    "ends_at": "ends_on",
    "per_use_fees_minor": "per_use_fees",
}
_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class TermsForm:
    """What the form shows: the typed values and an error per field (``_form``: overall)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_words(text: str) -> list[str]:
    """A typed list: words separated by commas, semicolons or spaces."""
    return [w for w in _SPLIT.split(text.strip()) if w]


def blank(**values: str) -> TermsForm:
    """A new request's form: a 90-day term from today, every output reviewed."""
    today = datetime.now(UTC).date()
    defaults = {
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=90)).isoformat(),
        "max_outputs": "5",
        "approval_mode": ApprovalMode.every_output.value,
        "currency": "EUR",
        "creation_fee_minor": "0",
        "per_output_fee_minor": "0",
        "takedown_days": "30",
        "payment_days": "45",
    }
    return TermsForm(values={**defaults, **values})


def from_terms(terms: Mapping[str, Any]) -> TermsForm:
    """The form filled with a license's current terms (to propose or counter from)."""
    fees = terms.get("fees", {})
    return TermsForm(
        values={
            "channels": ", ".join(terms.get("channels", [])),
            "territories": ", ".join(terms.get("territories", [])),
            "categories": ", ".join(terms.get("categories", [])),
            "exclusive_categories": ", ".join(terms.get("exclusive_categories", [])),
            "starts_on": str(terms.get("starts_at", ""))[:10],
            "ends_on": str(terms.get("ends_at", ""))[:10],
            "max_outputs": str(terms.get("max_outputs", "")),
            "approval_mode": str(terms.get("approval_mode", "")),
            "currency": str(fees.get("currency", "")),
            "creation_fee_minor": str(fees.get("creation_fee", 0)),
            "per_output_fee_minor": str(fees.get("per_output_fee", 0)),
            "per_use_fees": ", ".join(f"{k}={v}" for k, v in fees.get("per_use_fees", {}).items()),
            "commission_bps": str(terms.get("commission_bps", "")),
            "takedown_days": str(terms.get("takedown_days", "")),
            "payment_days": str(terms.get("payment_days", 45)),
            "purpose": str(terms.get("purpose", "")),
            "delegate_review": "on" if terms.get("delegate_review") else "",
            "processors": ", ".join(terms.get("processors", [])),
        }
    )


def _day(text: str) -> datetime | str:
    try:
        return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time(), UTC)
    except ValueError:
        return text  # pydantic names the problem


def read_terms(form: Mapping[str, str]) -> tuple[TermsIn | None, TermsForm]:
    """The terms typed into ``form``; ``None`` and the errors per field when they do not
    parse (the rules of the terms themselves are the service's to check)."""
    typed = TermsForm(values={name: str(form.get(name, "")).strip() for name in FIELDS})
    v = typed.values
    fees: dict[str, Any] = {}
    for pair in read_words(v["per_use_fees"]):
        channel, sep, amount = pair.partition("=")
        if not sep or not amount.strip().isdigit() or not channel.strip():
            typed.errors["per_use_fees"] = f"write channel=amount, got {pair!r:.40}"
            break
        fees[channel.strip()] = int(amount)
    data: dict[str, Any] = {
        "channels": read_words(v["channels"]),
        "territories": read_words(v["territories"]),
        "categories": read_words(v["categories"]),
        "exclusive_categories": read_words(v["exclusive_categories"]),
        "starts_at": _day(v["starts_on"]),
        "ends_at": _day(v["ends_on"]),
        "max_outputs": v["max_outputs"] or None,
        "approval_mode": v["approval_mode"] or ApprovalMode.every_output.value,
        "currency": v["currency"] or "EUR",
        "creation_fee_minor": v["creation_fee_minor"] or 0,
        "per_output_fee_minor": v["per_output_fee_minor"] or 0,
        "per_use_fees_minor": fees,
        "takedown_days": v["takedown_days"] or 30,
        "payment_days": v["payment_days"] or 45,
        "purpose": v["purpose"],
        "delegate_review": v["delegate_review"] in ("on", "true", "1"),
        "processors": read_words(v["processors"]),
    }
    if v["commission_bps"]:
        data["commission_bps"] = v["commission_bps"]
    try:
        terms = TermsIn.model_validate(data)
    except ValidationError as exc:
        for problem in exc.errors():
            loc = problem.get("loc") or ("_form",)
            name = _FORM_FIELD.get(str(loc[0]), str(loc[0]))
            typed.errors.setdefault(name if name in FIELDS else "_form", problem["msg"])
        return None, typed
    if typed.errors:
        return None, typed
    return terms, typed
