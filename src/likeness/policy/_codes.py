"""Code lists the rights rules validate against.

Territories are ISO 3166-1 alpha-2 codes plus ``WW`` for worldwide; currencies are
ISO 4217 alphabetic codes with their minor-unit exponent (fees are always integers in
minor units). Channels and content categories are open-ended lower-case slugs: the
defaults below are what the product knows about, and any other slug is accepted so new
channels need no code change.
"""

from __future__ import annotations

import re
from types import MappingProxyType

WORLDWIDE = "WW"

_ISO_3166 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI
    BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
    CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
ISO_3166_ALPHA2: frozenset[str] = frozenset(_ISO_3166.split())

_TWO_DIGIT_CURRENCIES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR KES KGS KHR KPW KYD KZT LAK LBP LKR LRD
    LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB
    PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
"""
_ZERO_DIGIT_CURRENCIES = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DIGIT_CURRENCIES = "BHD IQD JOD KWD LYD OMR TND"

#: ISO 4217 code -> number of minor-unit digits (JPY has none, BHD has three).
ISO_4217_MINOR_UNITS: MappingProxyType[str, int] = MappingProxyType(
    {
        **dict.fromkeys(_TWO_DIGIT_CURRENCIES.split(), 2),
        **dict.fromkeys(_ZERO_DIGIT_CURRENCIES.split(), 0),
        **dict.fromkeys(_THREE_DIGIT_CURRENCIES.split(), 3),
    }
)

DEFAULT_CHANNELS: tuple[str, ...] = (
    "instagram",
    "tiktok",
    "youtube",
    "facebook",
    "web",
    "email",
    "print",
    "ooh",
    "tv",
)

#: Categories a talent commonly refuses outright; offered as standing limits.
SENSITIVE_CATEGORIES: tuple[str, ...] = (
    "political",
    "tobacco",
    "alcohol",
    "gambling",
    "lingerie",
    "nudity",
)

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "fashion",
    "beauty",
    "lifestyle",
    "sportswear",
    "ecommerce",
    "editorial",
    *SENSITIVE_CATEGORIES,
)

_SLUG = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")


def is_slug(value: str) -> bool:
    """Channels and categories are short lower-case slugs (``instagram``, ``eyewear``)."""
    return bool(_SLUG.match(value))


def is_territory(value: str) -> bool:
    return value == WORLDWIDE or value in ISO_3166_ALPHA2


def is_currency(value: str) -> bool:
    return value in ISO_4217_MINOR_UNITS
