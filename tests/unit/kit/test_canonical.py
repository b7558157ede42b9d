import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.kit.canonical import canonical_json, canonical_sha256

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def test_key_order_and_whitespace_do_not_matter() -> None:
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
    assert canonical_sha256({"b": 1, "a": 2}) == canonical_sha256({"a": 2, "b": 1})


def test_unicode_is_kept_verbatim() -> None:
    assert canonical_json({"name": "Zoë"}) == '{"name":"Zoë"}'


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": math.nan})


@given(json_values)
def test_dict_insertion_order_never_changes_the_hash(value: object) -> None:
    if isinstance(value, dict):
        reversed_dict = dict(reversed(list(value.items())))
        assert canonical_sha256(value) == canonical_sha256(reversed_dict)
    assert canonical_json(value) == canonical_json(value)
