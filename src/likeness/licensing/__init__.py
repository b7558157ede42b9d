"""Licenses: negotiation between brand and talent side, and the decision service.

The rules live in :mod:`likeness.policy` (pure); this package loads and stores them.
"""
