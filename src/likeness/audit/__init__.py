"""Tamper-evident audit chain: every state change that matters, hash-linked."""
