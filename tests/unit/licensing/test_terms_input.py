"""Turning negotiator input (API bodies, CLI options, terms files) into license terms."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from pydantic import ValidationError

from likeness.errors import InvalidInput
from likeness.kit.cli import IsoDateTime
from likeness.licensing.cli import _load_file, _use_fees, build_terms
from likeness.licensing.schemas import TermsIn
from likeness.policy import ApprovalMode, validate_terms

START = datetime(2027, 1, 1, tzinfo=UTC)
END = datetime(2027, 12, 31, tzinfo=UTC)


def body(**changes: object) -> TermsIn:
    data: dict[str, object] = {
        "channels": [" Instagram ", "web"],
        "territories": ["fr", "de"],
        "categories": ["Fashion"],
        "exclusive_categories": ["FASHION"],
        "starts_at": START,
        "ends_at": END,
        "max_outputs": 10,
        "currency": "eur",
        "per_use_fees_minor": {"Instagram": 1_000},
        "purpose": "  Spring  ",
        **changes,
    }
    return TermsIn.model_validate(data)


def test_input_is_normalised_into_valid_terms() -> None:
    terms = body().to_terms(default_commission_bps=1_500)
    assert terms.channels == {"instagram", "web"}
    assert terms.territories == {"FR", "DE"}
    assert terms.categories == terms.exclusive_categories == {"fashion"}
    assert terms.fees.currency == "EUR"
    assert terms.fees.per_use_fees == (("instagram", 1_000),)
    assert terms.commission_bps == 1_500
    assert terms.purpose == "Spring"
    assert terms.approval_mode is ApprovalMode.every_output
    validate_terms(terms)


def test_explicit_commission_beats_the_agency_default() -> None:
    assert body(commission_bps=0).to_terms(default_commission_bps=1_500).commission_bps == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"commission_bps": 2_001},
        {"max_outputs": 0},
        {"channels": []},
        {"starts_at": "2027-01-01T00:00:00"},  # no zone
        {"creation_fee_minor": -5},
        {"takedown_days": 400},
        {"purpose": ""},
    ],
)
def test_schema_rejects_bad_input(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        body(**changes)


def test_cli_per_use_fee_pairs() -> None:
    assert _use_fees(["instagram=1500", " web = 20"]) == {"instagram": 1_500, "web": 20}
    for bad in ("instagram", "instagram=abc", "instagram=-1"):
        with pytest.raises(InvalidInput, match="CHANNEL=AMOUNT"):
            _use_fees([bad])


def test_terms_file_and_options_combine(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text(
        "channels: [tiktok]\nterritories: [WW]\ncategories: [beauty]\n"
        "starts_at: '2027-01-01T00:00:00Z'\nends_at: '2027-06-01T00:00:00Z'\n"
        "max_outputs: 5\npurpose: From file\n"
    )
    terms = build_terms(path, channel=["web"], max_outputs=7, per_use_fee=["web=300"])
    assert terms.channels == ["web"]
    assert terms.territories == ["WW"]
    assert terms.max_outputs == 7
    assert terms.per_use_fees_minor == {"web": 300}
    assert terms.purpose == "From file"


def test_bad_terms_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        _load_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    with pytest.raises(InvalidInput, match="not valid JSON"):
        _load_file(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(InvalidInput, match="mapping"):
        _load_file(listing)
    assert _load_file(None) == {}


def test_cli_times_need_a_zone() -> None:
    with pytest.raises(typer.BadParameter, match="with a zone") as caught:
        IsoDateTime("--start")("2027-01-01T00:00:00")
    assert caught.value.param_hint == "'--start'"
    terms = build_terms(
        start=IsoDateTime("--start")("2027-01-01T00:00:00Z"),
        end=END,
        channel=["instagram"],
        territory=["FR"],
        category=["fashion"],
        max_outputs=3,
        purpose="Autumn",
    )
    assert (terms.starts_at, terms.ends_at) == (START, END)


def test_two_fees_for_one_channel_after_normalising_are_refused() -> None:
    with pytest.raises(ValidationError, match="names channel 'instagram' twice"):
        body(per_use_fees_minor={"Instagram": 1_000, " instagram": 2_000})
    assert body(per_use_fees_minor={"instagram": 1, "web": 2}).per_use_fees_minor["web"] == 2


def test_the_command_line_refuses_two_fees_for_one_channel() -> None:
    assert _use_fees(["instagram=100", "web=5"]) == {"instagram": 100, "web": 5}
    with pytest.raises(InvalidInput, match="names channel 'instagram' twice"):
        _use_fees(["instagram=100", " Instagram =200"])


def test_processors_are_normalised_and_options_set_them() -> None:
    terms = body(processors=[" FASHN ", ""]).to_terms(default_commission_bps=0)
    assert terms.processors == {"fashn"}
    assert body().to_terms(default_commission_bps=0).processors == frozenset()
    built = build_terms(
        channel=["web"],
        territory=["WW"],
        category=["fashion"],
        start=START,
        end=END,
        max_outputs=1,
        purpose="p",
        processor=["fashn", "acme"],
    )
    assert built.to_terms(default_commission_bps=0).processors == {"fashn", "acme"}


def test_payment_days_come_from_the_option_and_default_to_45(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text(
        "channels: [web]\nterritories: [FR]\ncategories: [fashion]\n"
        "starts_at: '2027-01-01T00:00:00Z'\nends_at: '2027-06-01T00:00:00Z'\n"
        "max_outputs: 5\npurpose: Pay\n"
    )
    assert build_terms(path).to_terms(0).payment_days == 45
    assert build_terms(path, payment_days=14).to_terms(0).payment_days == 14
    with pytest.raises(ValidationError, match="payment_days"):
        build_terms(path, payment_days=46)
    with pytest.raises(ValidationError, match="payment_days"):
        body(payment_days=0)
