"""What an image found in the wild means: one verdict, from plain values (pure).

:func:`verdict_for` weighs an image's :class:`~likeness.monitoring.findings.ImageFindings`,
the :class:`~likeness.monitoring.findings.FaceMatch` lists of its faces and what the
asset registry knows of the Likeness mark it carries (:class:`AssetFacts`) against the
place it was found (:class:`Place`, from :func:`place_of`). In order:

1. ``unreadable`` — the bytes did not decode: nothing else was looked at.
2. A Likeness mark (the invisible watermark, else a C2PA manifest whose signature
   validates) that names an asset the registry knows:

   * ``leak`` — a preview, or any asset whose output was never released: a Likeness
     output that left quarantine without a release;
   * ``past_takedown`` — a release whose rights ended (expired, revoked, taken down)
     and whose take-down date has passed (before that date the brand still may show
     it, so the release counts as licensed);
   * ``outside_channel`` — a release found on a channel, or in a territory, its
     license does not name (a place whose channel is unknown never gives this);
   * ``licensed`` — a release in good standing, where its license allows it.

3. ``unmarked_match`` — no Likeness mark, and a face within the match threshold of an
   enrolled talent: suspected unlicensed use.
4. ``no_match`` — anything else (no face, nobody enrolled close enough, or a mark the
   registry does not know with no face match).

Every verdict but ``licensed``, ``no_match`` and ``unreadable`` is a *hit*: it opens or
updates a case for each talent it names (decision 0023).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from likeness.models.monitoring import Verdict
from likeness.monitoring.findings import FaceMatch, ImageFindings

#: Verdicts that open or update a case.
HITS = frozenset(
    {Verdict.past_takedown, Verdict.outside_channel, Verdict.leak, Verdict.unmarked_match}
)
#: The licence territory that covers every place.
WORLDWIDE = "WW"

#: Where an image was found → the license channel that place is. Hosts match exactly or
#: as a parent domain (``m.tiktok.com`` is ``tiktok.com``). Settings may add or replace
#: entries (``LIKENESS_MONITORING__CHANNEL_HOSTS``); the channel names are those of
#: :class:`likeness.provenance.Channel` and of license terms.
DEFAULT_CHANNEL_HOSTS: Mapping[str, str] = {
    "instagram.com": "instagram",
    "cdninstagram.com": "instagram",
    "tiktok.com": "tiktok",
    "tiktokcdn.com": "tiktok",
    "youtube.com": "youtube",
    "ytimg.com": "youtube",
    "youtu.be": "youtube",
}
#: A country-code top-level domain names the territory of a place (``shop.example.fr``
#: is in FR); generic domains (``.com``) leave it unknown.
_GENERIC_TLDS = frozenset({"com", "net", "org", "io", "co", "app", "info", "biz", "eu"})


@dataclass(frozen=True, slots=True)
class Place:
    """Where an image was found: ``channel`` and ``territory`` when the location tells
    (None: unknown, which never makes a release ``outside_channel``)."""

    location: str
    host: str | None = None
    channel: str | None = None
    territory: str | None = None


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """What the registry knows of the asset a mark names."""

    asset_id: str
    talent_id: str
    kind: str  # "release" | "preview"
    status: str  # "active" | "expired" | "revoked" | "taken_down"
    channel: str | None
    license_channels: frozenset[str]
    license_territories: frozenset[str]
    takedown_by: datetime | None = None
    #: False: the output behind the asset was never released (quarantine).
    output_released: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verdict, the talents it concerns (closest first), and why, in words."""

    verdict: Verdict
    talent_ids: tuple[str, ...] = ()
    asset_id: str | None = None
    distance: float | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_hit(self) -> bool:
        return self.verdict in HITS


def _host_of(location: str) -> str | None:
    parts = urlsplit(location)
    if parts.scheme in ("http", "https") and parts.hostname:
        return parts.hostname.lower().rstrip(".")
    # A crawler that saves files under a folder per host: …/www.tiktok.com/clip.jpg
    path = parts.path if parts.scheme else location
    for segment in reversed(path.replace("\\", "/").split("/")[:-1]):
        if "." in segment and all(label.isalnum() or "-" in label for label in segment.split(".")):
            labels = segment.lower().split(".")
            if len(labels) >= 2 and labels[-1].isalpha() and 2 <= len(labels[-1]) <= 6:
                return segment.lower()
    return None


def place_of(location: str, channel_hosts: Mapping[str, str] | None = None) -> Place:
    """The channel and territory of the place an image was found (see the module)."""
    table = DEFAULT_CHANNEL_HOSTS if channel_hosts is None else channel_hosts
    host = _host_of(location)
    if host is None:
        return Place(location)
    channel = None
    labels = host.split(".")
    for start in range(len(labels) - 1):
        channel = table.get(".".join(labels[start:]))
        if channel is not None:
            break
    if channel is None:
        channel = "web"
    tld = labels[-1]
    territory = tld.upper() if len(tld) == 2 and tld not in _GENERIC_TLDS else None
    if territory == "UK":
        territory = "GB"
    return Place(location, host, channel, territory)


def claimed_asset(findings: ImageFindings) -> str | None:
    """The asset id a Likeness mark on the image names (watermark first, then a C2PA
    manifest that validates), or None."""
    if findings.watermark is not None and findings.watermark.asset_id:
        return findings.watermark.asset_id
    c2pa = findings.c2pa
    if c2pa is not None and c2pa.present and c2pa.valid and c2pa.asset_id:
        return c2pa.asset_id
    return None


def closest_talents(matches: Sequence[Sequence[FaceMatch]]) -> list[tuple[str, float]]:
    """Each talent matched by any face, with their smallest distance, closest first."""
    best: dict[str, float] = {}
    for face in matches:
        for match in face:
            if match.talent_id not in best or match.distance < best[match.talent_id]:
                best[match.talent_id] = match.distance
    return sorted(best.items(), key=lambda item: (item[1], item[0]))


def verdict_for(
    findings: ImageFindings,
    matches: Sequence[Sequence[FaceMatch]],
    facts: AssetFacts | None,
    place: Place,
    now: datetime,
) -> Outcome:
    """The verdict on one image (see the module for the order of the rules).
    ``matches``: one list per face (already cut at the threshold); ``facts``: the
    registry's row for :func:`claimed_asset` (None: no mark, or one it does not know)."""
    if not findings.readable:
        return Outcome(Verdict.unreadable, reasons=(f"unreadable: {findings.problem}",))
    talents = closest_talents(matches)
    distance = talents[0][1] if talents else None
    if facts is not None:
        who = (facts.talent_id,)
        found = f"found at {place.location}"
        if facts.kind != "release" or not facts.output_released:
            return Outcome(
                Verdict.leak,
                who,
                facts.asset_id,
                distance,
                (f"asset {facts.asset_id} is a {facts.kind} that was never released; {found}",),
            )
        if facts.status != "active":
            due = facts.takedown_by
            if due is None or now >= due:
                when = due.isoformat() if due is not None else "at once"
                return Outcome(
                    Verdict.past_takedown,
                    who,
                    facts.asset_id,
                    distance,
                    (f"release {facts.asset_id} is {facts.status}; take-down due {when}",),
                )
        reasons: list[str] = []
        if place.channel is not None and place.channel not in facts.license_channels:
            reasons.append(
                f"found on channel {place.channel}; the license allows "
                f"{', '.join(sorted(facts.license_channels)) or 'none'}"
            )
        if (
            place.territory is not None
            and WORLDWIDE not in facts.license_territories
            and place.territory not in facts.license_territories
        ):
            reasons.append(
                f"found in territory {place.territory}; the license allows "
                f"{', '.join(sorted(facts.license_territories)) or 'none'}"
            )
        if reasons:
            return Outcome(Verdict.outside_channel, who, facts.asset_id, distance, tuple(reasons))
        return Outcome(
            Verdict.licensed,
            who,
            facts.asset_id,
            distance,
            (f"release {facts.asset_id} in good standing ({facts.status}); {found}",),
        )
    if talents:
        return Outcome(
            Verdict.unmarked_match,
            tuple(t for t, _ in talents),
            None,
            distance,
            (f"face within {distance:.3f} of an enrolled talent, and no Likeness mark",),
        )
    return Outcome(Verdict.no_match, reasons=("no enrolled talent matched",))
