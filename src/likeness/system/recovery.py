"""Start-up recovery: every command on the database, ``likeness serve`` and ``init`` first
settle the ingests and builds a crash interrupted (their owner is gone).

Its own module, apart from :mod:`likeness.system.doctor`, because it runs before every
command: when nothing was interrupted it costs one directory listing and imports neither
the doctor nor the cipher; only when there is work does it load them and settle it with
:func:`likeness.system.doctor.recover_intents`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from likeness.vault.keys import intent_journal

if TYPE_CHECKING:
    from likeness.runtime import Runtime
    from likeness.system.doctor import Finding


def recover_at_start(runtime: Runtime) -> list[Finding]:
    """The start-up hook (`likeness serve`, every CLI command on the database, `init`):
    cheap when nothing was interrupted (one directory listing)."""
    # Only the journal's folder is looked at first: the storage (and with it the cipher,
    # which may create a development master key) is built only when there is work.
    if not intent_journal(runtime.settings).has_any():
        return []
    from likeness.system.doctor import recover_intents

    return recover_intents(runtime.db, runtime.storage)


def report_recovered(findings: list[Finding]) -> None:
    """One stderr line per interrupted operation settled at start-up (CLI)."""
    import typer

    for f in findings:
        state = "settled" if f.repaired else f"NOT settled ({f.error})"
        typer.echo(f"note: interrupted operation {f.subject} {state}: {f.detail}", err=True)
