"""Errors of the compliance feature (all :class:`likeness.errors.LikenessError`).

Proof bundles (proof engineer)::

ProofError
├── NotProvable     the asset is not a release: a preview proves nothing (409)
└── BundleUnreadable  a file given to the verifier is not a proof bundle (422)
"""

from __future__ import annotations

from likeness.errors import LikenessError

# proof (proof engineer)


class ProofError(LikenessError, status=409):
    """A proof bundle cannot be made or read."""


class NotProvable(ProofError, status=409):
    pass


class BundleUnreadable(ProofError, status=422):
    pass
