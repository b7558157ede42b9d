from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.provenance import TRAINED_ALGORITHMIC_MEDIA, build_xmp, parse_xmp
from likeness.provenance._xmp import MAX_XMP_BYTES, PLUS_DATA_MINING_PROHIBITED
from unit.provenance.fakes import make_info


def test_packet_round_trips_the_ai_fields() -> None:
    fields = parse_xmp(build_xmp(make_info(ai_system_version="2.3.1")))
    assert fields.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert fields.ai_system == "Likeness"
    assert fields.ai_system_version == "2.3.1"
    assert fields.data_mining == PLUS_DATA_MINING_PROHIBITED
    assert fields.credit is None


def test_credit_line_is_written_only_when_the_license_allows_it() -> None:
    assert b"photoshop:Credit" not in build_xmp(make_info())
    packet = build_xmp(make_info(talent_credit="Ada <Lovelace> & Co"))
    assert b"Ada &lt;Lovelace&gt; &amp; Co" in packet
    assert parse_xmp(packet).credit == "Ada <Lovelace> & Co"


def test_attribute_form_written_by_other_tools_is_read() -> None:
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
        'compositeCapture"/></rdf:RDF></x:xmpmeta>'
    )
    assert parse_xmp(packet).digital_source_type.endswith("/compositeCapture")


def test_missing_malformed_hostile_or_huge_packets_give_empty_fields() -> None:
    entity_bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b"&lol2;</x:xmpmeta>"
    )
    for packet in (
        None,
        b"",
        b"garbage",
        b"<x:xmpmeta><unclosed></x:xmpmeta>",
        entity_bomb,
        b"<x:xmpmeta " + b"a" * MAX_XMP_BYTES + b"</x:xmpmeta>",
    ):
        assert parse_xmp(packet).digital_source_type is None


@settings(max_examples=40, deadline=None)
@given(
    credit=st.text(
        alphabet=st.characters(blacklist_categories=("C", "Cs"), max_codepoint=0x2FFF),
        min_size=1,
        max_size=60,
    ).filter(lambda s: s.strip() == s and s.strip())
)
def test_any_allowed_credit_round_trips(credit: str) -> None:
    assert parse_xmp(build_xmp(make_info(talent_credit=credit))).credit == credit
