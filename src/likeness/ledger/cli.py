"""`likeness ledger …`: post, balances, statements, payouts, collections, exports, check.

The commands are thin: each parses, calls one service function inside one unit of work
and prints. Exit 3 from ``check`` names what is wrong with the books.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Money: postings, balances, statements, payouts, reconciliation.", no_args_is_help=True
)

# --- posting, balances, adjustments, check (service.py) ----------------------------------


# --- payouts, collections, overdue, exports (payouts.py) ---------------------------------


# --- statements (statements.py) ----------------------------------------------------------
