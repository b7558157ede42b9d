"""The notification inbox of talent and agents (issue 20): what waits for them or what
changed for them, derived from audit events in the same transaction, read/unread per user.

:func:`likeness.inbox.derive.on_event` is one of the audit chain's known listeners
(:data:`likeness.audit.service.KNOWN_LISTENERS`): every process loads it with its first
event, so no edge has to remember to import this package.
"""

from likeness.inbox import derive as derive

__all__ = ["derive"]
