"""The C2PA manifest definition we sign, and the summary we read back."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from likeness import __version__
from likeness.provenance._info import SourceKind, StampInfo
from likeness.provenance._label import LabelPlacement

LIKENESS_ASSERTION = "io.likeness.release"
LIKENESS_ASSERTION_SCHEMA = 1
SOFT_BINDING_ASSERTION = "c2pa.soft-binding"
TRAINING_MINING_ASSERTION = "cawg.training-mining"
ACTIONS_ASSERTION = "c2pa.actions.v2"
TRAINING_MINING_ENTRIES = (
    "cawg.ai_generative_training",
    "cawg.ai_inference",
    "cawg.ai_training",
    "cawg.data_mining",
)
#: The label that links the ``parentOf`` ingredient (an imported image's original file)
#: to the ``c2pa.opened`` action that brings it in.
INGREDIENT_LABEL = "likeness.imported-original"
#: Assertions Likeness itself vouches for ("created" rather than "gathered").
CREATED_ASSERTIONS = [
    ACTIONS_ASSERTION,
    SOFT_BINDING_ASSERTION,
    LIKENESS_ASSERTION,
    TRAINING_MINING_ASSERTION,
]


def _generation(info: StampInfo) -> dict[str, Any]:
    """What made the pixels: the engine, the model files it loaded and the seed."""
    return {
        "engine": info.engine,
        "models": [{"name": name, "sha256": digest} for name, digest in info.models],
        "seed": info.seed,
    }


def _actions(info: StampInfo) -> list[dict[str, Any]]:
    agent = {"name": info.ai_system, "version": info.ai_system_version}
    parameters: dict[str, Any] = {
        key: value for key, value in _generation(info).items() if value not in (None, [])
    }
    if info.ingredient is not None:
        # An image made elsewhere: the release opens its original file (the parentOf
        # ingredient, linked by label) rather than creating new pixels.
        parameters["ingredientIds"] = [INGREDIENT_LABEL]
    created: dict[str, Any] = {
        "action": "c2pa.opened" if info.ingredient is not None else "c2pa.created",
        "digitalSourceType": info.digital_source_type,
        "softwareAgent": agent,
        **({"parameters": parameters} if parameters else {}),
    }
    if info.kind is SourceKind.GENERATED:
        return [created]
    # C2PA 2.x requires the first action to be created or opened; without the
    # capture itself as an ingredient, the relighting is recorded as an edit of
    # the composite the twin pipeline created.
    edited = {
        "action": "c2pa.edited",
        "digitalSourceType": info.digital_source_type,
        "softwareAgent": agent,
        "description": "relit composite of consented captures of the talent",
    }
    return [created, edited]


def build_manifest(
    info: StampInfo,
    *,
    mime_type: str,
    watermark_algorithm: str,
    label: LabelPlacement | None,
    preview_mark: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest definition handed to ``c2pa.Builder``; contains no personal data
    beyond the credit the license allows. ``asset_kind`` (release or preview) and the
    ``engine`` that made the pixels are part of the Likeness assertion; a preview also
    records where its visible "not for publication" mark is (``preview_mark``). The
    engine, the model files' SHA-256s and the seed are in the Likeness assertion and in
    the parameters of the first action; an ``ingredient`` is added by the signer
    (:func:`ingredient_definition`) and opened by that action."""
    likeness = {
        "schema": LIKENESS_ASSERTION_SCHEMA,
        "asset_id": info.asset_id,
        "twin_id": info.twin_id,
        "license_id": info.license_id,
        "use_consent_sha256": info.consent_sha256,
        "approval_sha256": info.approval_sha256,
        "channel": str(info.channel) if info.channel is not None else None,
        "source_kind": str(info.kind),
        "visible_label": label.to_dict() if label else None,
        "credit": info.talent_credit,
        "asset_kind": info.asset_kind,
        **_generation(info),
        **({"preview_mark": preview_mark} if preview_mark is not None else {}),
    }
    return {
        "claim_generator_info": [{"name": "Likeness", "version": __version__}],
        "title": info.title or f"Likeness {info.asset_kind} {info.asset_id}",
        "format": mime_type,
        "assertions": [
            {"label": ACTIONS_ASSERTION, "data": {"actions": _actions(info)}},
            {
                "label": SOFT_BINDING_ASSERTION,
                "data": {
                    "alg": watermark_algorithm,
                    "name": f"invisible watermark carrying asset ID {info.asset_id}",
                    "blocks": [
                        {
                            "scope": {},
                            "value": base64.b64encode(info.watermark_payload).decode("ascii"),
                        }
                    ],
                },
            },
            {"label": LIKENESS_ASSERTION, "data": likeness},
            {
                "label": TRAINING_MINING_ASSERTION,
                "data": {
                    "entries": {entry: {"use": "notAllowed"} for entry in TRAINING_MINING_ENTRIES}
                },
            },
        ],
    }


def ingredient_definition(title: str) -> dict[str, Any]:
    """The ingredient JSON for an imported image's original file.

    ``parentOf``, not ``componentOf``: the release *is* that image, opened and then
    watermarked (and labelled where required), not a new picture that places it among
    other content. C2PA then wants the first action to be ``c2pa.opened`` naming the
    ingredient, which :func:`build_manifest` writes; validators show the original's own
    manifest as the release's history."""
    return {"title": title, "relationship": "parentOf", "label": INGREDIENT_LABEL}


@dataclass(frozen=True)
class ManifestSummary:
    """What a person needs from the active manifest; built from untrusted JSON."""

    label: str | None
    title: str | None
    claim_generator: str | None
    signer: str | None
    issuer: str | None
    signed_at: str | None
    actions: tuple[dict[str, str], ...] = ()
    digital_source_type: str | None = None
    soft_binding: dict[str, Any] | None = None
    likeness: dict[str, Any] | None = None
    training_mining: dict[str, Any] | None = None
    other_assertions: tuple[str, ...] = field(default=())
    #: The manifest's ingredients: ``title``, ``format``, ``relationship``, ``manifest``
    #: (the label of the ingredient's own C2PA manifest, None when it had none) and
    #: ``validation`` (``Trusted``/``Valid``/``Invalid`` for that manifest, as the SDK
    #: judged it against this installation's trust list; None when it had none).
    ingredients: tuple[dict[str, Any], ...] = field(default=())

    @property
    def watermark_payload(self) -> bytes | None:
        """The soft-binding value (the 8-byte watermark payload), if well formed."""
        if self.soft_binding is None:
            return None
        try:
            value = self.soft_binding["blocks"][0]["value"]
            return base64.b64decode(str(value), validate=True)
        except (KeyError, IndexError, TypeError, ValueError):
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "title": self.title,
            "claim_generator": self.claim_generator,
            "signer": self.signer,
            "issuer": self.issuer,
            "signed_at": self.signed_at,
            "actions": list(self.actions),
            "digital_source_type": self.digital_source_type,
            "soft_binding": self.soft_binding,
            "likeness": self.likeness,
            "training_mining": self.training_mining,
            "other_assertions": list(self.other_assertions),
            "ingredients": [dict(ingredient) for ingredient in self.ingredients],
        }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _generator(manifest: dict[str, Any]) -> str | None:
    infos = manifest.get("claim_generator_info")
    if isinstance(infos, list) and infos and isinstance(infos[0], dict):
        name, version = _text(infos[0].get("name")), _text(infos[0].get("version"))
        if name:
            return f"{name} {version}" if version else name
    return _text(manifest.get("claim_generator"))


#: A failure that only says the signer is not on the trust list: the manifest is intact.
_UNTRUSTED = "signingCredential.untrusted"


def _codes(entries: Any) -> list[str]:
    return [
        entry["code"]
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("code"), str)
    ]


def _ingredient_validation(ingredient: dict[str, Any]) -> str | None:
    """The ingredient's own manifest as the SDK judged it, in the words of
    :class:`~likeness.provenance.C2paReport` states: ``Trusted``, ``Valid`` (intact,
    signer not on the trust list) or ``Invalid``; None when nothing was recorded."""
    results = ingredient.get("validation_results")
    active = results.get("activeManifest") if isinstance(results, dict) else None
    if not isinstance(active, dict):
        return None
    failures = _codes(active.get("failure"))
    if any(code != _UNTRUSTED for code in failures):
        return "Invalid"
    if failures:
        return "Valid"
    return "Trusted" if "signingCredential.trusted" in _codes(active.get("success")) else "Valid"


def _ingredients(manifest: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    found: list[dict[str, Any]] = []
    ingredients = manifest.get("ingredients")
    for ingredient in ingredients if isinstance(ingredients, list) else []:
        if not isinstance(ingredient, dict):
            continue
        label = _text(ingredient.get("active_manifest"))
        found.append(
            {
                "title": _text(ingredient.get("title")),
                "format": _text(ingredient.get("format")),
                "relationship": _text(ingredient.get("relationship")),
                "manifest": label,
                "validation": _ingredient_validation(ingredient) if label else None,
            }
        )
    return tuple(found)


def summarise(manifest: Any) -> ManifestSummary | None:
    if not isinstance(manifest, dict):
        return None
    signature = manifest.get("signature_info")
    signature = signature if isinstance(signature, dict) else {}
    actions: list[dict[str, str]] = []
    by_label: dict[str, Any] = {}
    others: list[str] = []
    assertions = manifest.get("assertions")
    for assertion in assertions if isinstance(assertions, list) else []:
        if not isinstance(assertion, dict) or not isinstance(assertion.get("label"), str):
            continue
        label, data = assertion["label"], assertion.get("data")
        if label in (ACTIONS_ASSERTION, "c2pa.actions") and isinstance(data, dict):
            for action in data.get("actions") or []:
                if isinstance(action, dict):
                    actions.append(
                        {
                            k: v
                            for k, v in action.items()
                            if k in ("action", "digitalSourceType", "description")
                            and isinstance(v, str)
                        }
                    )
        elif label in (SOFT_BINDING_ASSERTION, LIKENESS_ASSERTION, TRAINING_MINING_ASSERTION):
            by_label[label] = data if isinstance(data, dict) else None
        else:
            others.append(label)
    source_types = [a["digitalSourceType"] for a in actions if "digitalSourceType" in a]
    return ManifestSummary(
        label=_text(manifest.get("label")),
        title=_text(manifest.get("title")),
        claim_generator=_generator(manifest),
        signer=_text(signature.get("common_name")),
        issuer=_text(signature.get("issuer")),
        signed_at=_text(signature.get("time")),
        actions=tuple(actions),
        digital_source_type=source_types[0] if source_types else None,
        soft_binding=by_label.get(SOFT_BINDING_ASSERTION),
        likeness=by_label.get(LIKENESS_ASSERTION),
        training_mining=by_label.get(TRAINING_MINING_ASSERTION),
        other_assertions=tuple(others),
        ingredients=_ingredients(manifest),
    )
