"""Money: fees posted from the audit chain into a double-entry ledger; due dates,
payouts and collections; statements; reconciliation (issue 19, decision 0022)."""
