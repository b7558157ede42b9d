"""A stored twin as a studio :class:`~likeness.studio.basis.Basis` for ``likeness render``."""

from __future__ import annotations

import numpy as np

from likeness.studio.basis import Basis


def twin_basis(twin_id: str, version: int | None = None, as_email: str | None = None) -> Basis:
    """Decrypt a twin version (the latest active one by default) into a render basis.

    Runs as one unit of work: ownership and the creation consent are checked, and the use
    is audit-logged (``twin.use``) like any other access.
    """
    from likeness.kit.cli import cli_session, cli_storage
    from likeness.twin import service

    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        loaded = service.load_basis(session, actor, deps, twin_id, version)
    images = np.stack([v.basis for v in loaded.views])
    alpha = np.stack([v.matte for v in loaded.views])
    return Basis.from_arrays(
        images,
        loaded.light_dirs,
        view_yaws_deg=tuple(float(v.yaw) for v in loaded.views),
        alpha=alpha,
    )
