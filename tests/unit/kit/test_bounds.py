"""Input ranges checked before arithmetic or a database column can overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from likeness.errors import InvalidInput
from likeness.kit.bounds import (
    MAX_INT,
    MAX_OFFSET,
    Count,
    Instant,
    Version,
    require_instant,
    require_page,
)


class _Probe(BaseModel):
    at: Instant | None = None
    count: Count = 0
    version: Version | None = None


def test_pages_within_range_pass_and_others_say_which_bound() -> None:
    require_page(1, 0, 10)
    require_page(10, MAX_OFFSET, 10)
    with pytest.raises(InvalidInput, match="limit"):
        require_page(11, 0, 10)
    for offset in (-1, MAX_OFFSET + 1, 10**20):
        with pytest.raises(InvalidInput, match="offset"):
            require_page(5, offset, 10)


def test_instants_are_converted_to_utc() -> None:
    paris = datetime(2027, 3, 1, 12, tzinfo=timezone(timedelta(hours=1)))
    assert require_instant(paris) == datetime(2027, 3, 1, 11, tzinfo=UTC)
    assert require_instant(datetime(2027, 3, 1)).tzinfo is UTC  # naive is taken as UTC


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),  # before year 1 in UTC
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),  # past year 9999
        datetime(1899, 12, 31, tzinfo=UTC),
        datetime(9000, 1, 1, tzinfo=UTC),
    ],
)
def test_instants_out_of_range_are_a_clear_error(value: datetime) -> None:
    with pytest.raises(InvalidInput, match="between 1900-01-01 and 9000-01-01"):
        require_instant(value, "since")
    with pytest.raises(ValidationError, match="between 1900"):
        _Probe(at=value)


def test_integers_that_no_column_can_hold_are_refused_by_the_schema() -> None:
    assert _Probe(count=MAX_INT, version=1).count == MAX_INT
    for bad in ({"count": MAX_INT + 1}, {"count": -1}, {"version": 0}, {"version": 10**20}):
        with pytest.raises(ValidationError):
            _Probe(**bad)  # type: ignore[arg-type]
