"""Shared helpers for the output tests (no tests in here).

A world with a signed creation consent, a twin with an active version (rows written
directly: the twin pipeline has its own tests) and its data key, a license walked to
active, and a small synthetic image: what ``likeness render --twin`` hands the service.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from integration.test_license_support import World, sign_creation_consent, to_status
from likeness.identity.actor import Actor
from likeness.models.base import new_id
from likeness.models.capture import CaptureSession, CaptureStatus
from likeness.models.license import License
from likeness.models.output import Output
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
from likeness.output import service
from likeness.output.schemas import OutputCreate, UseSpec
from likeness.provenance import StampConfig, VerifyConfig, ensure_signing_material
from likeness.provenance.keys import local_signing_material
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name
from unit.provenance.fakes import WATERMARK_KEY, BlockPairWatermarker


def stamp_config(keys_dir: Path) -> StampConfig:
    ensure_signing_material(keys_dir)
    return StampConfig(local_signing_material(keys_dir), BlockPairWatermarker(), WATERMARK_KEY)


def verify_config(config: StampConfig) -> VerifyConfig:
    return VerifyConfig(
        trust_anchors_pem=config.signing.trust_anchors_pem,
        watermarker=BlockPairWatermarker(),
        watermark_key=WATERMARK_KEY,
    )


def image(seed: int = 0, size: tuple[int, int] = (240, 300), fmt: str = "JPEG") -> bytes:
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([60 + 120 * x / width, 70 + 100 * y / height, 120 + 0 * x], axis=-1)
    pixels = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(out, format=fmt, quality=95)
    return out.getvalue()


def twin_with_version(session: Session, world: World, deps: StorageDeps) -> Twin:
    """An active twin with one active version and a data key (rows written directly)."""
    consent_id = sign_creation_consent(session, world)
    capture = CaptureSession(
        id=new_id(),
        talent_id=world.talent.id,
        status=CaptureStatus.qc_passed,
        encoding="png",
        view_count=1,
        light_count=1,
        file_count=0,
        total_bytes=0,
        manifest="{}",
    )
    twin = Twin(id=new_id(), talent_id=world.talent.id, status=TwinStatus.active, latest_version=1)
    session.add_all([capture, twin])
    session.flush()
    session.add(
        TwinVersion(
            id=new_id(),
            twin_id=twin.id,
            version=1,
            status=TwinVersionStatus.active,
            session_id=capture.id,
            consent_id=consent_id,
            view_count=1,
            light_count=1,
            width=8,
            height=8,
            metadata_json="{}",
            artifacts="{}",
            qc_report="{}",
        )
    )
    session.flush()
    deps.cipher.create_key(twin_key_name(twin.id))
    return twin


@dataclass
class Setup:
    world: World
    twin: Twin
    license: License
    config: StampConfig

    def request(self, **use: Any) -> OutputCreate:
        spec = {"channel": "instagram", "territory": "FR", "category": "fashion", **use}
        return OutputCreate(
            license_id=self.license.id,
            twin_id=self.twin.id,
            use=UseSpec(**spec),
            engine="studio",
            engine_params={"scene": {"framing": {"preset": "instagram-portrait"}}},
        )


def setup(
    session: Session, world: World, deps: StorageDeps, config: StampConfig, **terms: Any
) -> Setup:
    twin = twin_with_version(session, world, deps)
    lic = to_status(session, world, "active", **terms)
    return Setup(world, twin, lic, config)


def create(
    session: Session,
    deps: StorageDeps,
    s: Setup,
    actor: Actor | None = None,
    seed: int = 0,
    **use: Any,
) -> Output:
    who = actor or s.world.actor(session, "brand")
    return service.create(session, who, deps, s.request(**use), image(seed), s.config)


def use_of(output: Output) -> dict[str, Any]:
    return dict(json.loads(output.use_json))
