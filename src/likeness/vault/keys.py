"""The installation's twin cipher: local master key file + key vault under ``keys_dir``.

The key names and the journal's place cost no cryptography import (every command asks for
the journal at start-up, :mod:`likeness.system.recovery`); the cipher loads it when built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from likeness.settings import Settings
from likeness.storage.intents import IntentJournal

if TYPE_CHECKING:
    from likeness.vault.crypto import TwinCipher

MASTER_KEY_FILE = "master.key"
VAULT_DIR = "vault"
INTENTS_DIR = "intents"


def master_key_path(settings: Settings) -> str:
    return str(settings.keys_dir / MASTER_KEY_FILE)


def cipher_from_settings(settings: Settings) -> TwinCipher:
    """The local cipher. A development home gets its master key on first use; production
    needs it made by ``likeness init`` (or a KMS wired in its place)."""
    from likeness.vault.crypto import FileKeyVault, LocalMasterKey, TwinCipher, generate_master_key

    path = settings.keys_dir / MASTER_KEY_FILE
    if not path.exists() and not settings.is_production:
        generate_master_key(path)
    return TwinCipher(LocalMasterKey.from_file(path), FileKeyVault(settings.keys_dir / VAULT_DIR))


def intent_journal(settings: Settings) -> IntentJournal:
    """The journal of unfinished ingests and builds, next to the vault it protects."""
    return IntentJournal(settings.keys_dir / INTENTS_DIR)


def capture_key_name(session_id: str) -> str:
    return f"capture-{session_id}"


def twin_key_name(twin_id: str) -> str:
    return f"twin-{twin_id}"


def reference_key_name(reference_id: str) -> str:
    return f"reference-{reference_id}"
