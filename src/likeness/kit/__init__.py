"""Small shared helpers: database sessions, canonical JSON, clock, CLI plumbing."""
