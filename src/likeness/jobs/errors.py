"""Errors of the jobs feature (all :class:`~likeness.errors.LikenessError`).

Each takes its status from its kind::

    JobError (400)
    ├── JobNotFound (404)          no such job, or none the caller may see
    ├── StaleJob (409)             someone else changed it first
    ├── JobFinished (409)          it already succeeded, failed or was cancelled
    ├── JobCancelled (409)         raised by a handler told to stop (its job was cancelled)
    ├── UnknownJobKind (422)       no handler is registered for this kind
    └── InvalidJobRequest (422)    bad input
"""

from __future__ import annotations

from likeness.errors import Conflict, InvalidInput, LikenessError, NotFound


class JobError(LikenessError):
    """Base of job errors."""


class JobNotFound(JobError, NotFound):
    """No such job, or none the caller may see."""


class StaleJob(JobError, Conflict):
    """Someone else changed the job at the same time; reload it and retry."""


class JobFinished(JobError, Conflict):
    """The job already succeeded, failed or was cancelled."""


class JobCancelled(JobError, Conflict):
    """A handler raises this when :meth:`JobContext.progress` returned ``False``: the job
    was cancelled (or its lease lost) and the handler stops."""


class UnknownJobKind(JobError, InvalidInput):
    """No handler is registered for this kind of job."""


class InvalidJobRequest(JobError, InvalidInput):
    """The job request is malformed (payload too large, bad progress, …)."""
