"""Models the platform trains itself (relighting priors): their terms follow their sources.

A model trained from data is derived from that data: if any source may be used for
research only, so may the model. :func:`derived_terms` says what licence tag and
commercial flag a model trained from ``sources`` carries; :func:`admit_trained` refuses
a non-commercial one unless the operator opted in (the same opt-in, logged the same way,
as a model file from the static registry). The consent side (a real person's captures
need their creation consent to name ``train``) is the relighting feature's rule; this
module only follows licences.
"""

from __future__ import annotations

from collections.abc import Iterable

from likeness.modelreg._check import AdmittedModel, _opt_in, _refusal, noncommercial_allowed
from likeness.modelreg._errors import ModelLicenseRefused

#: The tag of captures a talent consented to for training under their creation consent:
#: the platform's own data, usable commercially within that consent.
CONSENTED_CAPTURE_LICENSE = "likeness-consented-capture"
#: The tag of the procedural synthetic cast (no real person; made by this code).
SYNTHETIC_LICENSE = "likeness-synthetic"


def derived_terms(sources: Iterable[tuple[str, bool]]) -> tuple[str, bool]:
    """``(licence tag, commercial use)`` of a model trained from ``(tag, commercial)``
    sources: commercial only if every source is; the tag lists the distinct source tags
    (sorted, ``+``-joined) so the record says where the restriction comes from."""
    tags: set[str] = set()
    commercial = True
    count = 0
    for tag, allowed in sources:
        count += 1
        tags.add(tag.strip().lower())
        commercial = commercial and allowed
    if count == 0:
        raise ValueError("a trained model needs at least one source")
    return "+".join(sorted(tags))[:100], commercial


def admit_trained(
    name: str,
    sha256: str,
    license: str,
    commercial_use: bool,
    *,
    allow_noncommercial: bool | None = None,
) -> AdmittedModel:
    """Admit a trained model for loading: a non-commercial one only under the opt-in."""
    if commercial_use:
        return AdmittedModel(name, None, None, sha256, opted_in=False, reason="")
    reason = f"{name} was trained on data licensed {license!r}, which forbids commercial use"
    if noncommercial_allowed(allow_noncommercial):
        return _opt_in(name, None, None, sha256, reason)
    raise ModelLicenseRefused(_refusal(reason))
