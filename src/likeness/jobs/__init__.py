"""Durable jobs: work done outside the request that asked for it, surviving any worker.

A job is enqueued in the caller's transaction (``service.enqueue``), so it exists only if
that transaction commits. A worker (``worker.run_next``) leases one job at a time in its
own short transaction (a compare-and-set on the job's version: of two workers, one gets
it), runs the handler registered for the job's kind with a :class:`worker.JobContext`
(payload, attempt, ``progress(fraction, message)`` heartbeats, a per-process cache) and
records the result or the error, each in its own short transaction. A worker killed
with ``kill -9`` stops heartbeating; when its lease runs out another worker takes the
job again, up to ``max_attempts``. Cancelling a queued job ends it at once; cancelling a
running one asks its worker to stop (its next heartbeat is refused). Revoking a license
or its use consent cancels the license's jobs (``service.cancel_for_license``).

Executors (``executors``) decide where workers run: a thread pool in this process
(``inline``, the default) or long-lived Ray actors (``ray``), chosen by
``LIKENESS_JOBS__EXECUTOR``. This package knows nothing of images; generation and
monitoring register their handlers with it.
"""
