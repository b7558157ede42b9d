"""Thin compliance routes: parse, call the service, return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from likeness.asset.errors import AssetNotFound
from likeness.audit.heads import HeadKeyError
from likeness.audit.heads_service import AuditChainBroken
from likeness.compliance import service
from likeness.compliance.errors import NotProvable
from likeness.compliance.schemas import SignedHeadRead
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["compliance"])

# proof (proof engineer)


@router.get(
    "/assets/{asset_id}/proof",
    responses={
        200: {"content": {"application/zip": {}}},
        **error_responses(AssetNotFound, NotProvable, AuditChainBroken, HeadKeyError),
    },
)
def proof_bundle(
    asset_id: str, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The proof bundle of a release (zip), for its brand, its talent, the talent's agency
    or an operator; check it offline with `likeness prove --check`."""
    made = service.prove(session, actor, runtime.storage, runtime.settings.keys_dir, asset_id)
    return Response(
        made.data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="proof-{made.asset_id}.zip"'},
    )


@router.get(
    "/audit/head",
    response_model=SignedHeadRead,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses=error_responses(AuditChainBroken, HeadKeyError),
)
def signed_head(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    since: Annotated[list[int] | None, Query(description="Sizes of earlier heads.")] = None,
) -> SignedHeadRead:
    """The audit chain's head, verified and signed now (Ed25519), for anyone signed in to
    keep; `since` adds consistency proofs from earlier heads of those sizes."""
    doc = service.signed_head(session, runtime.settings.keys_dir, since or ())
    return SignedHeadRead.model_validate(doc)
