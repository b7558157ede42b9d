"""Known licence tags of model weights, and whether each lets a commercial product use them.

Folders of weights an operator brings (a diffusers pipeline, a LoRA) are not in
:data:`~likeness.modelreg.REGISTRY`: their manifest names a licence *tag* (the one the
model card's ``license:`` field uses), and this table says what the tag allows. A tag
not listed here is refused like a non-commercial one unless the operator opts in
(``LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1``): nobody has read that licence for them.

Sources (checked 2026-12-07): the licence texts the tags point at. The OpenRAIL family
allows commercial use under use-based restrictions (no unlawful or harmful uses, the
restrictions passed on to users); Likeness's consent and licensing already enforce the
ones that concern a person's likeness. Stability AI's community licence allows
commercial use only below a revenue threshold, so it is listed as not commercial.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LicenseTerms:
    """What one licence tag allows."""

    tag: str
    commercial_use: bool
    title: str
    url: str
    note: str = ""


def _terms(tag: str, commercial: bool, title: str, url: str, note: str = "") -> LicenseTerms:
    return LicenseTerms(tag, commercial, title, url, note)


_OPENRAIL = "https://huggingface.co/blog/open_rail"

#: Every licence tag the registry knows, by its lower-case tag.
LICENSES: dict[str, LicenseTerms] = {
    t.tag: t
    for t in (
        _terms(
            "openrail++",
            True,
            "CreativeML Open RAIL++-M (SDXL 1.0)",
            "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/blob/main/LICENSE.md",
            "commercial use allowed under the use-based restrictions of its attachment A",
        ),
        _terms(
            "creativeml-openrail-m",
            True,
            "CreativeML Open RAIL-M (Stable Diffusion 1.x)",
            "https://huggingface.co/spaces/CompVis/stable-diffusion-license",
            "commercial use allowed under the use-based restrictions of its attachment A",
        ),
        _terms("openrail", True, "Open RAIL", _OPENRAIL),
        _terms("openrail-m", True, "Open RAIL-M", _OPENRAIL),
        _terms("apache-2.0", True, "Apache License 2.0", "https://spdx.org/licenses/Apache-2.0"),
        _terms("mit", True, "MIT License", "https://spdx.org/licenses/MIT"),
        _terms("bsd-3-clause", True, "BSD 3-Clause", "https://spdx.org/licenses/BSD-3-Clause"),
        _terms("cc0-1.0", True, "CC0 1.0", "https://spdx.org/licenses/CC0-1.0"),
        _terms("cc-by-4.0", True, "CC BY 4.0", "https://spdx.org/licenses/CC-BY-4.0"),
        _terms("cc-by-sa-4.0", True, "CC BY-SA 4.0", "https://spdx.org/licenses/CC-BY-SA-4.0"),
        _terms("cc-by-nc-4.0", False, "CC BY-NC 4.0", "https://spdx.org/licenses/CC-BY-NC-4.0"),
        _terms(
            "cc-by-nc-sa-4.0",
            False,
            "CC BY-NC-SA 4.0",
            "https://spdx.org/licenses/CC-BY-NC-SA-4.0",
        ),
        _terms(
            "cc-by-nc-nd-4.0",
            False,
            "CC BY-NC-ND 4.0",
            "https://spdx.org/licenses/CC-BY-NC-ND-4.0",
        ),
        _terms(
            "stabilityai-ai-community",
            False,
            "Stability AI Community License",
            "https://stability.ai/community-license-agreement",
            "commercial use only below a revenue threshold: needs a separate agreement",
        ),
        _terms(
            "stabilityai-nc-research-community",
            False,
            "Stability AI Non-Commercial Research Community License",
            "https://stability.ai/license",
        ),
        _terms(
            "flux-1-dev-non-commercial-license",
            False,
            "FLUX.1 [dev] Non-Commercial License",
            "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md",
        ),
    )
}


def normalise_tag(tag: str) -> str:
    """The table's spelling of ``tag``: trimmed, lower case (``CreativeML-OpenRAIL-M`` →
    ``creativeml-openrail-m``)."""
    return tag.strip().lower()


def license_terms(tag: str) -> LicenseTerms | None:
    """What ``tag`` allows, or ``None`` for a tag the registry does not know."""
    return LICENSES.get(normalise_tag(tag))
