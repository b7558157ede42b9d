"""The HTTP API: app factory, shared dependencies, the one error handler."""
