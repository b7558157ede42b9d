"""Models the platform trains: their terms follow their sources; non-commercial is opt-in."""

from __future__ import annotations

import pytest

from likeness import modelreg


def test_a_model_trained_only_on_commercial_sources_is_commercial() -> None:
    tag, commercial = modelreg.derived_terms(
        [(modelreg.CONSENTED_CAPTURE_LICENSE, True), (modelreg.SYNTHETIC_LICENSE, True)]
    )
    assert commercial is True
    assert tag == "likeness-consented-capture+likeness-synthetic"


def test_one_research_only_source_makes_the_model_non_commercial_and_says_why() -> None:
    tag, commercial = modelreg.derived_terms(
        [(modelreg.CONSENTED_CAPTURE_LICENSE, True), ("Research-Only", False)]
    )
    assert commercial is False
    assert "research-only" in tag.split("+")


def test_a_model_needs_a_source() -> None:
    with pytest.raises(ValueError, match="at least one source"):
        modelreg.derived_terms([])


def test_admit_trained_refuses_non_commercial_without_the_opt_in() -> None:
    admitted = modelreg.admit_trained("p", "ab" * 32, "likeness-synthetic", True)
    assert admitted.opted_in is False and admitted.sha256 == "ab" * 32
    with pytest.raises(modelreg.ModelLicenseRefused, match=modelreg.OPT_IN_VARIABLE):
        modelreg.admit_trained("p", "ab" * 32, "research-only", False, allow_noncommercial=False)
    opted = modelreg.admit_trained("p", "ab" * 32, "research-only", False, allow_noncommercial=True)
    assert opted.opted_in is True and "research-only" in opted.reason
