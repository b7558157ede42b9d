"""XMP packet writing and reading (IPTC Photo Metadata 2025.1 AI fields).

Only the properties Likeness owns are written; the image is re-encoded before
stamping, so no inherited metadata (camera, GPS, editing history) survives.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException

from likeness.provenance._info import StampInfo

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
NS_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
NS_PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
NS_DC = "http://purl.org/dc/elements/1.1/"
#: Likeness's own XMP namespace: what kind of asset the image is (release or preview).
NS_LIKENESS = "https://likeness.dev/ns/xmp/1.0/"
PLUS_DATA_MINING_PROHIBITED = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED"

#: Refuse to parse XMP packets larger than this; ours are under 2 KiB.
MAX_XMP_BYTES = 1 << 20


@dataclass(frozen=True)
class XmpFields:
    digital_source_type: str | None = None
    ai_system: str | None = None
    ai_system_version: str | None = None
    credit: str | None = None
    data_mining: str | None = None
    #: ``release`` or ``preview``; None in images stamped before asset kinds existed.
    asset_kind: str | None = None


def build_xmp(info: StampInfo) -> bytes:
    """The XMP packet for a release; ``photoshop:Credit`` only when a credit is allowed."""
    properties = [
        ("Iptc4xmpExt:DigitalSourceType", info.digital_source_type),
        ("Iptc4xmpExt:AISystemUsed", info.ai_system),
        ("Iptc4xmpExt:AISystemVersionUsed", info.ai_system_version),
        ("plus:DataMining", PLUS_DATA_MINING_PROHIBITED),
        ("likeness:AssetKind", info.asset_kind),
    ]
    if info.talent_credit is not None:
        properties.append(("photoshop:Credit", info.talent_credit))
    if info.title is not None:
        properties.append(("dc:title", info.title))
    body = "\n".join(_property(name, value) for name, value in properties)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="{NS_X}">\n'
        f' <rdf:RDF xmlns:rdf="{NS_RDF}">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:Iptc4xmpExt="{NS_IPTC_EXT}"\n'
        f'    xmlns:photoshop="{NS_PHOTOSHOP}"\n'
        f'    xmlns:plus="{NS_PLUS}"\n'
        f'    xmlns:dc="{NS_DC}"\n'
        f'    xmlns:likeness="{NS_LIKENESS}">\n'
        f"{body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def _property(name: str, value: str) -> str:
    if name == "dc:title":
        # dc:title is a language alternative in XMP, not a simple string.
        return (
            f'   <{name}><rdf:Alt><rdf:li xml:lang="x-default">{escape(value)}'
            f"</rdf:li></rdf:Alt></{name}>"
        )
    return f"   <{name}>{escape(value)}</{name}>"


def parse_xmp(packet: bytes | str | None) -> XmpFields:
    """Read the fields Likeness cares about from any XMP packet.

    Both the element form and the attribute form of simple properties are
    accepted, since other tools rewrite XMP either way. A missing, oversized or
    malformed packet yields empty fields, never an exception.
    """
    if not packet:
        return XmpFields()
    raw = packet.encode("utf-8") if isinstance(packet, str) else packet
    if len(raw) > MAX_XMP_BYTES:
        return XmpFields()
    start = raw.find(b"<x:xmpmeta")
    end = raw.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        return XmpFields()
    try:
        root: Element = SafeET.fromstring(raw[start : end + len(b"</x:xmpmeta>")])
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return XmpFields()
    return XmpFields(
        digital_source_type=_simple(root, NS_IPTC_EXT, "DigitalSourceType"),
        ai_system=_simple(root, NS_IPTC_EXT, "AISystemUsed"),
        ai_system_version=_simple(root, NS_IPTC_EXT, "AISystemVersionUsed"),
        credit=_simple(root, NS_PHOTOSHOP, "Credit"),
        data_mining=_simple(root, NS_PLUS, "DataMining"),
        asset_kind=_simple(root, NS_LIKENESS, "AssetKind"),
    )


def _simple(root: Element, namespace: str, name: str) -> str | None:
    qualified = f"{{{namespace}}}{name}"
    for description in root.iter(f"{{{NS_RDF}}}Description"):
        if qualified in description.attrib:
            return description.attrib[qualified].strip()
        element = description.find(qualified)
        if element is not None and element.text:
            return element.text.strip()
    return None
