"""Errors of the generation feature (all :class:`~likeness.errors.LikenessError`).

Each takes its status from its kind; every refusal is raised before a job exists::

    GenerationError (400)
    ├── GenerationNotFound (404)          no such request, or none the caller may see
    ├── GenerationNotPermitted (403)      only the brand holding the license (or an operator)
    ├── GenerationNotAllowed (403)        the decision point refused (with its reasons)
    ├── ModelNotLicensed (403)            an engine's model forbids commercial use
    ├── ProcessorNotAllowed (403)         the engine sends the likeness to an unlisted party
    ├── TaskNotSupported (422)            the engine cannot do the task
    ├── IdempotencyKeyConflict (409)      the key was used for a different request
    ├── GenerationFinished (409)          it already ended: nothing to cancel
    └── InvalidGenerationRequest (422)    bad size, count, brief or inputs

An unknown engine is :class:`likeness.engines.registry.UnknownEngine` (422).
"""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class GenerationError(LikenessError):
    """Base of generation errors."""


class GenerationNotFound(GenerationError, NotFound):
    """No such generation request, or none the caller may see."""


class GenerationNotPermitted(GenerationError, Forbidden):
    """Only the brand that holds the license (or an operator) asks for images under it."""


class GenerationNotAllowed(GenerationError, Forbidden):
    """The decision point refused to generate under this license; the reasons say why."""


class ModelNotLicensed(GenerationError, Forbidden):
    """A model the engine loads forbids commercial use and the operator has not opted in."""


class ProcessorNotAllowed(GenerationError, Forbidden):
    """The engine sends the likeness to a third party the license's terms do not name."""


class TaskNotSupported(GenerationError, InvalidInput):
    """The engine cannot do the task asked for."""


class IdempotencyKeyConflict(GenerationError, Conflict):
    """This idempotency key was used for a different request."""


class GenerationFinished(GenerationError, Conflict):
    """The request already succeeded, failed or was cancelled."""


class InvalidGenerationRequest(GenerationError, InvalidInput):
    """The request is malformed: size, count, brief or input images."""
