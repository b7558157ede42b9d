"""The registry's pure rules: who may download what, and what a license's state means
for its assets (no database: rows are built in memory)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.asset import service
from likeness.asset.errors import AssetNotFound, InvalidAsset
from likeness.licensing.rules import Ending, EndKind
from likeness.models.asset import Asset, AssetKind, AssetStatus
from likeness.policy import Relation

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def asset(kind: AssetKind, status: AssetStatus) -> Asset:
    return Asset(id=uuid.uuid4().hex, kind=kind, status=status)


@given(
    kind=st.sampled_from(list(AssetKind)),
    status=st.sampled_from(list(AssetStatus)),
    others=st.sets(st.sampled_from([Relation.brand, Relation.system])),
)
def test_a_brand_downloads_nothing_but_an_active_release(
    kind: AssetKind, status: AssetStatus, others: set[Relation]
) -> None:
    relations = frozenset({Relation.brand, *others})
    allowed = service.downloadable_by(relations, asset(kind, status))
    assert allowed == (kind is AssetKind.release and status is AssetStatus.active)


@given(kind=st.sampled_from(list(AssetKind)), status=st.sampled_from(list(AssetStatus)))
def test_the_talent_side_and_operators_may_open_what_they_see(
    kind: AssetKind, status: AssetStatus
) -> None:
    for relation in (Relation.talent, Relation.agent, Relation.operator):
        assert service.downloadable_by(frozenset({relation}), asset(kind, status))
    assert not service.downloadable_by(frozenset(), asset(kind, status))


def test_an_end_of_rights_becomes_the_asset_status_of_the_same_name() -> None:
    for kind, status in (
        (EndKind.expired, AssetStatus.expired),
        (EndKind.revoked, AssetStatus.revoked),
    ):
        assert service.asset_status(Ending(kind, NOW, "code", "why")) is status


@given(st.uuids(version=4))
def test_mark_and_payload_are_the_ids_first_64_bits(value: uuid.UUID) -> None:
    asset_id = value.hex
    assert service.payload_of(asset_id) == value.bytes[:8]
    assert service.mark_of(asset_id) == service.payload_of(asset_id).hex()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.example/a", "https://", "http://a b", "data:,x"]
)
def test_a_publication_url_must_be_http(url: str) -> None:
    with pytest.raises(InvalidAsset):
        service.check_url(url)


def test_an_http_url_is_kept() -> None:
    assert service.check_url(" https://shop.example/p/1?x=2 ") == "https://shop.example/p/1?x=2"
    assert service.check_url(None) is None


@pytest.mark.parametrize("ref", ["", "xyz", "0" * 15, "0" * 33, "g" * 16, "../" + "0" * 16])
def test_a_lookup_reference_is_an_id_or_a_mark(ref: str) -> None:
    with pytest.raises(AssetNotFound):
        service.normalise_ref(ref)


def test_a_lookup_reference_is_normalised() -> None:
    value = uuid.uuid4()
    assert service.normalise_ref(str(value).upper()) == value.hex
    assert service.normalise_ref(value.hex[:16].upper()) == value.hex[:16]


HEX32 = st.uuids().map(lambda u: u.hex)
MARKS = st.one_of(st.none(), HEX32.map(lambda h: h[:16]))


@given(manifest_id=HEX32, trusted=st.booleans(), mark=MARKS)
def test_a_manifests_asset_id_counts_only_when_the_watermark_or_a_trusted_signer_backs_it(
    manifest_id: str, trusted: bool, mark: str | None
) -> None:
    claim = service.verify_claim(manifest_id, trusted, mark)
    if mark == service.mark_of(manifest_id) or (mark is None and trusted):
        assert (claim.ref, claim.matched_by, claim.problem) == (manifest_id, "manifest", None)
    elif mark is not None:  # they disagree: the watermark's asset, and the mismatch said
        assert (claim.ref, claim.matched_by) == (mark, "watermark")
        assert claim.problem is not None and manifest_id in claim.problem
    else:  # an untrusted signer alone names nothing
        assert (claim.ref, claim.matched_by) == (None, None)
        assert claim.problem is not None and "not trusted" in claim.problem


def test_a_watermark_alone_or_nothing_at_all() -> None:
    mark = "ab" * 8
    assert service.verify_claim(None, False, mark) == service.VerifyClaim(mark, "watermark")
    assert service.verify_claim(None, True, None) == service.VerifyClaim(None, None)
    dashed = str(uuid.UUID("ab" * 16)).upper()  # written with dashes, in capitals
    assert service.verify_claim(dashed, False, mark).matched_by == "manifest"
