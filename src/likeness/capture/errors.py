"""Errors of the capture feature (all :class:`~likeness.errors.LikenessError`).

::

    CaptureError (422)
    ├── ManifestInvalid     the manifest cannot be read or is inconsistent
    ├── CaptureInvalid      one or more files are unusable (``problems`` lists each)
    ├── ReferenceInvalid    a reference photo is unreadable or does not show one clear face
    │   └── ReferenceTooLarge (413)  the photo file is over the size limit
    ├── QcFailed (409)      a session failed QC and no operator override was given
    ├── InvalidLookReason   an operator's reason to look is incomplete or malformed
    ├── LookReasonRequired  an operator looked at a talent's data without a reason
    └── CaptureConsentRequired (403)  no creation consent in force allows ``capture``
                                      and no operator override was given
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from likeness.errors import LikenessError


class CaptureError(LikenessError, status=422):
    pass


class ManifestInvalid(CaptureError):
    pass


@dataclass(frozen=True)
class Problem:
    """One reason a file was refused: which file, and what is wrong with it."""

    file: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.problem}"


class CaptureInvalid(CaptureError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"capture refused: {shown}{more}")


class ReferenceInvalid(CaptureError):
    pass


class ReferenceTooLarge(ReferenceInvalid, status=413):
    pass


class QcFailed(CaptureError, status=409):
    pass


class CaptureConsentRequired(CaptureError, status=403):
    """Ingesting a capture needs the talent's creation consent in force naming ``capture``,
    or an operator's override with a written reason. 403, like building a twin without
    consent: the request is understood and refused until someone with the right acts."""


class InvalidLookReason(CaptureError):
    pass


class LookReasonRequired(CaptureError):
    pass
