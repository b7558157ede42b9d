"""The catalogue's pure rules: what a listing may say, how a picture is sized, amounts."""

from __future__ import annotations

import pytest

from likeness.catalogue import rules
from likeness.catalogue.errors import InvalidListing


def test_a_listing_is_normalised() -> None:
    listing = rules.check_listing(
        " Ada O. ", "  Paris.  ", ["Web", "instagram", "web"], ["fashion"], " eur ", {"WEB": 100}
    )
    assert listing.public_name == "Ada O." and listing.bio == "Paris."
    assert listing.channels == ("web", "instagram") and listing.currency == "EUR"
    assert listing.rates == (("web", 100),)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidListing) as caught:
        rules.check_listing("", None, ["no way"], [], None, {"tv": -1})
    message = caught.value.message
    for part in ("public name", "not a lower-case slug", "at least one category", "'tv'"):
        assert part in message
    assert "rates need a currency" in message


def test_the_same_channel_priced_twice_is_refused() -> None:
    with pytest.raises(InvalidListing, match="two rates"):
        rules.check_listing("A", None, ["web"], ["fashion"], "EUR", {"web": 1, "WEB": 2})


@pytest.mark.parametrize(
    ("size", "shown"),
    [((640, 800), (640, 800)), ((1200, 1500), (640, 800)), ((3000, 1000), (800, 267))],
)
def test_a_picture_is_shown_at_most_800_pixels_long(
    size: tuple[int, int], shown: tuple[int, int]
) -> None:
    assert rules.preview_size(*size) == shown


def test_a_tiny_picture_is_refused() -> None:
    with pytest.raises(InvalidListing, match="at least 256"):
        rules.preview_size(255, 900)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(150000, "EUR", "1,500.00 EUR"), (5, "EUR", "0.05 EUR"), (1500, "JPY", "1,500 JPY"),
     (1234, "BHD", "1.234 BHD")],
)  # fmt: skip
def test_amounts_are_written_with_the_currency_decimals(
    minor: int, currency: str, text: str
) -> None:
    assert rules.format_amount(minor, currency) == text
