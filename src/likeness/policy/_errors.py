"""Errors raised by the pure rights rules (see the package docstring for the tree)."""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError


class PolicyError(LikenessError):
    """Base of every error raised by :mod:`likeness.policy`."""


class InvalidTerms(PolicyError, InvalidInput):
    """License terms break a rule (term too long, commission too high, unknown code...).

    ``problems`` lists every broken rule, not just the first, so a negotiator can fix
    all of them in one round.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid license terms: " + "; ".join(problems))
        self.problems = tuple(problems)


class InvalidUse(PolicyError, InvalidInput):
    """A use request is malformed (unknown action, naive time, bad territory code)."""


class IllegalTransition(PolicyError, Conflict):
    """The negotiation action is not possible from the license's current state."""


class TransitionNotPermitted(PolicyError, Forbidden):
    """The actor's relation to the license does not allow this negotiation action."""


class ExclusivityConflict(PolicyError, Conflict):
    """Granting these terms would overlap another brand's category exclusivity."""
