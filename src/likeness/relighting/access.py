"""Who may train, list and retire relighting priors: operators only.

A prior is learned from many talents' captures and is used for everyone's twins, so it
belongs to the installation, not to a talent: training, listing, showing (its manifest
names the talents it learned from) and retiring are operator actions. A talent acts on
their own part through their creation consent: revoking it (or signing one without
``train``) retires every prior that learned from them (decision 0028).
"""

from __future__ import annotations

from likeness.errors import Forbidden
from likeness.identity.actor import Actor


def require_operator(actor: Actor, what: str) -> None:
    if not actor.is_operator:
        raise Forbidden(f"only an operator may {what} relighting priors")
