"""The portal's license terms form: typed text in, the API's TermsIn out, or an error per
field with everything as it was typed."""

from __future__ import annotations

from datetime import UTC, datetime

from likeness.portal.terms_form import FIELDS, blank, from_terms, read_terms

TYPED = {
    "channels": "instagram, web",
    "territories": "FR BE",
    "categories": "fashion;beauty",
    "starts_on": "2027-01-01",
    "ends_on": "2027-04-01",
    "max_outputs": "3",
    "approval_mode": "pre_approved",
    "currency": "eur",
    "creation_fee_minor": "100",
    "per_output_fee_minor": "5",
    "per_use_fees": "instagram=150000, web=1",
    "commission_bps": "1200",
    "takedown_days": "14",
    "purpose": "Spring",
    "delegate_review": "",
    "processors": "fashn",
}


def test_typed_terms_read_as_the_api_takes_them() -> None:
    terms, form = read_terms(TYPED)
    assert terms is not None and form.errors == {}
    assert terms.channels == ["instagram", "web"] and terms.territories == ["FR", "BE"]
    assert terms.categories == ["fashion", "beauty"]
    assert terms.starts_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert terms.per_use_fees_minor == {"instagram": 150000, "web": 1}
    assert terms.commission_bps == 1200 and terms.processors == ["fashn"]
    assert terms.approval_mode.value == "pre_approved" and terms.delegate_review is False


def test_each_problem_is_named_at_its_field_and_the_typing_kept() -> None:
    typed = {**TYPED, "ends_on": "someday", "max_outputs": "many", "per_use_fees": "web"}
    terms, form = read_terms(typed)
    assert terms is None
    assert set(form.errors) >= {"ends_on", "per_use_fees"}
    assert form.values["ends_on"] == "someday" and form.values["purpose"] == "Spring"
    _, missing = read_terms({**TYPED, "purpose": "", "channels": ""})
    assert {"purpose", "channels"} <= set(missing.errors)


def test_a_license_s_terms_fill_the_form_and_read_back_the_same() -> None:
    terms, _ = read_terms(TYPED)
    assert terms is not None
    stored = terms.to_terms(1500).to_dict()
    again, form = read_terms(from_terms(stored).values)
    assert again is not None, form.errors
    assert again.to_terms(1500).to_dict() == stored
    assert set(blank().values) <= set(FIELDS)


def test_payment_days_is_read_with_its_limits_and_defaults_to_45() -> None:
    terms, _ = read_terms({**TYPED, "payment_days": "30"})
    assert terms is not None and terms.payment_days == 30
    assert terms.to_terms(1500).payment_days == 30
    unset, _ = read_terms(TYPED)
    assert unset is not None and unset.payment_days == 45
    assert blank().values["payment_days"] == "45"
    for wrong in ("0", "46", "soon"):
        refused, form = read_terms({**TYPED, "payment_days": wrong})
        assert refused is None and "payment_days" in form.errors, wrong
        assert form.values["payment_days"] == wrong and form.values["purpose"] == "Spring"


def test_payment_days_fills_the_form_from_a_license_and_reads_back() -> None:
    terms, _ = read_terms({**TYPED, "payment_days": "20"})
    assert terms is not None
    stored = terms.to_terms(1500).to_dict()
    form = from_terms(stored)
    assert form.values["payment_days"] == "20"
    again, _ = read_terms(form.values)
    assert again is not None and again.payment_days == 20
