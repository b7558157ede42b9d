"""The key vault: per-owner data keys wrapped by a master key, sealing and crypto-shredding.

Captures, reference templates and twins are sealed with data keys of their own before
their bytes reach the blob store (:mod:`.crypto`); the installation's cipher is built
from the settings (:mod:`.keys`) and reached through :attr:`likeness.runtime.Runtime.storage`.
"""
