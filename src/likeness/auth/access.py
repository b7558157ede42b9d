"""Who may manage an API token: the user it belongs to, or an operator.

Anyone else is told the token does not exist, so token ids do not leak.
"""

from __future__ import annotations

from likeness.identity.actor import Actor
from likeness.models.auth import ApiToken


def may_manage_token(actor: Actor, token: ApiToken) -> bool:
    return token.user_id == actor.user_id or actor.is_operator
