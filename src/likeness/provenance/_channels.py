"""Channel presets: where a release goes decides how its visible label looks.

Social platforms (Instagram, TikTok, YouTube) read the C2PA manifest and the IPTC
digital source type and show their own AI label, so our badge is optional there.
Where nothing machine-readable survives or no platform labels for us (a web page,
print, out-of-home), the badge is required. A license can require it anywhere.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Channel(enum.StrEnum):
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    WEB = "web"
    PRINT = "print"
    OOH = "ooh"
    FACEBOOK = "facebook"
    EMAIL = "email"
    TV = "tv"


class Corner(enum.StrEnum):
    TOP_LEFT = "top-left"
    TOP_RIGHT = "top-right"
    BOTTOM_LEFT = "bottom-left"
    BOTTOM_RIGHT = "bottom-right"


@dataclass(frozen=True)
class LabelPreset:
    """How the visible badge is drawn for one channel.

    ``height_fraction`` and ``margin_fraction`` are relative to the image's shorter
    side, so the badge keeps its apparent size whatever the resolution.
    """

    channel: Channel
    label_required: bool
    corner: Corner
    height_fraction: float
    margin_fraction: float = 0.02


PRESETS: dict[Channel, LabelPreset] = {
    # Feed UIs cover the bottom of a post with captions and buttons on TikTok and
    # the bottom-right of YouTube thumbnails with the duration, hence the corners.
    Channel.INSTAGRAM: LabelPreset(Channel.INSTAGRAM, False, Corner.BOTTOM_LEFT, 0.045),
    Channel.TIKTOK: LabelPreset(Channel.TIKTOK, False, Corner.TOP_LEFT, 0.045),
    Channel.YOUTUBE: LabelPreset(Channel.YOUTUBE, False, Corner.TOP_LEFT, 0.045),
    Channel.WEB: LabelPreset(Channel.WEB, True, Corner.BOTTOM_RIGHT, 0.04),
    # Print is viewed close up at high resolution; posters and billboards from afar.
    Channel.PRINT: LabelPreset(Channel.PRINT, True, Corner.BOTTOM_RIGHT, 0.03),
    Channel.OOH: LabelPreset(Channel.OOH, True, Corner.BOTTOM_RIGHT, 0.06),
    # Facebook is Meta's, like Instagram: it reads the C2PA manifest and labels the post.
    Channel.FACEBOOK: LabelPreset(Channel.FACEBOOK, False, Corner.BOTTOM_LEFT, 0.045),
    # A mail client shows no platform label: the badge is the only one the reader sees.
    Channel.EMAIL: LabelPreset(Channel.EMAIL, True, Corner.BOTTOM_RIGHT, 0.04),
    # A broadcast picture loses its edges to overscan: the badge stays inside the 5 %
    # title-safe margin, and the broadcaster's own logo usually holds the top corners.
    Channel.TV: LabelPreset(Channel.TV, True, Corner.BOTTOM_RIGHT, 0.05, margin_fraction=0.05),
}


def preset_for(channel: Channel) -> LabelPreset:
    return PRESETS[channel]


def label_required(channel: Channel, *, license_requires_label: bool) -> bool:
    """A badge is drawn when the channel or the license asks for one."""
    return license_requires_label or PRESETS[channel].label_required
