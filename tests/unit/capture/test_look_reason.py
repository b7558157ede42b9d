"""An operator's reason to look at a talent's captures and twins: a kind from a short list
and 10 to 500 characters of text (issue 20)."""

from __future__ import annotations

import pytest

from likeness.capture.access import (
    LookReason,
    LookReasonKind,
    look_reason,
    require_look_reason,
)
from likeness.capture.errors import InvalidLookReason, LookReasonRequired
from likeness.identity.actor import Actor
from likeness.models.party import Role

OPERATOR = Actor(user_id="u1", email="op@example.com", role=Role.operator)
TALENT = Actor(user_id="u2", email="t@example.com", role=Role.talent, talent_id="t1")


@pytest.mark.parametrize("kind", [k.value for k in LookReasonKind])
def test_each_kind_with_a_reason_is_read(kind: str) -> None:
    why = look_reason(kind, "the talent asked us by mail")
    assert why == LookReason(LookReasonKind(kind), "the talent asked us by mail")
    assert why.payload() == {"reason_kind": kind, "reason": "the talent asked us by mail"}


def test_nothing_typed_is_no_reason() -> None:
    assert look_reason(None, None) is None and look_reason(" ", "") is None


@pytest.mark.parametrize(
    ("kind", "text", "says"),
    [
        ("", "a long enough reason", "give a reason kind"),
        ("curiosity", "a long enough reason", "reason kind must be one of"),
        ("incident", "", "10 to 500 characters; got 0"),
        ("incident", "too short", "10 to 500 characters; got 9"),
        ("incident", "x" * 501, "got 501"),
    ],
)
def test_a_half_or_bad_reason_is_refused_with_what_is_wrong(
    kind: str, text: str, says: str
) -> None:
    with pytest.raises(InvalidLookReason, match=says):
        look_reason(kind, text)


def test_the_limits_are_inclusive() -> None:
    assert look_reason("incident", "x" * 10) is not None
    assert look_reason("incident", "x" * 500) is not None


def test_an_operator_needs_a_reason_a_talent_does_not() -> None:
    with pytest.raises(LookReasonRequired, match="support_request, quality_check"):
        require_look_reason(OPERATOR, None)
    require_look_reason(OPERATOR, look_reason("quality_check", "checking the new rig"))
    require_look_reason(TALENT, None)
