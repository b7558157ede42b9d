from __future__ import annotations

import pytest

from likeness.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    Channel,
    SourceKind,
    StampRefused,
)
from unit.provenance.fakes import make_info


def test_generated_and_relit_map_to_their_iptc_codes() -> None:
    assert make_info().digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    relit = make_info(kind=SourceKind.RELIT_COMPOSITE)
    assert relit.digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert relit.digital_source_type.endswith("/compositeWithTrainedAlgorithmicMedia")


def test_strings_are_coerced_to_enums() -> None:
    info = make_info(channel="tiktok", kind="relit-composite")
    assert info.channel is Channel.TIKTOK
    assert info.kind is SourceKind.RELIT_COMPOSITE


def test_watermark_payload_is_the_asset_id_prefix() -> None:
    info = make_info()
    assert info.watermark_payload == bytes.fromhex(info.asset_id)[:8]
    assert len(info.watermark_payload) == 8


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("asset_id", "not-a-uuid", "asset_id must be a UUID"),
        ("license_id", "", "license_id must be a UUID"),
        ("consent_sha256", "ABC", "consent_sha256 must be a lower-case SHA-256"),
        ("approval_sha256", "0" * 63, "approval_sha256 must be a lower-case SHA-256"),
        ("label_text", "", "label_text must be 1 to 40"),
        ("label_text", "x" * 41, "label_text must be 1 to 40"),
        ("label_text", "生成された", "cannot draw"),
        ("talent_credit", "Ann\nBee", "control characters"),
        ("channel", "myspace", "myspace"),
        ("kind", "painted", "painted"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(field: str, value: str, message: str) -> None:
    with pytest.raises(StampRefused, match=message):
        make_info(**{field: value})


def test_latin_label_text_is_accepted() -> None:
    assert make_info(label_text="Généré par IA").label_text == "Généré par IA"
