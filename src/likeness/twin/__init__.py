"""Twins: versioned, encrypted OLAT bases built from QC-passed captures with consent."""
