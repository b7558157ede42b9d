"""The HTTP API: the app factory that mounts every feature's router, and the one error handler."""
