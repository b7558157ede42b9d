"""Consents: the creation consent (capture the talent, build and alter their twin) and the
use consent (one license), as signed documents; standing limits.

The rules over consent values live in :mod:`likeness.policy` (pure); who may see, sign
or revoke a consent in :mod:`.access`; every query in :mod:`.repository`.
"""
