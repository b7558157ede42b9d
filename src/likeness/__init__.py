"""Likeness: consent-first digital twins of fashion models."""

__version__ = "0.1.0"
