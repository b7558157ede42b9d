"""Pydantic in/out models of the compliance feature."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# proof (proof engineer)


class ConsistencyRead(BaseModel):
    """Proof that the tree of ``from_size`` events is a prefix of the head's tree."""

    from_size: int
    from_root: str
    to_size: int
    path: list[str]


class SignedHeadRead(BaseModel):
    """A signed chain head (decision 0025), exactly as `likeness audit head --sign` writes."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field(alias="schema")
    tree_size: int
    root: str
    chain_hash: str
    at: str
    public_key: str
    key_fingerprint: str
    signature: str
    consistency: list[ConsistencyRead] | None = None
