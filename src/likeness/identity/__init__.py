"""Who is acting: the :class:`~.actor.Actor` value and password hashing.

Below audit, party and auth, so that every feature can name its caller and the audit
chain can record it without importing authentication.
"""
