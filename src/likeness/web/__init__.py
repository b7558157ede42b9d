"""What every HTTP route depends on: the runtime, the unit of work, the caller and the
request guards (body size, JSON text). Below the features; the app that mounts their
routers (:mod:`likeness.api.app`) sits above them."""
