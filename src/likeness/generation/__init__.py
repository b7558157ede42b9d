"""Generation: a brand's request for new images of a licensed twin, through one gate.

request → decide → job → engine → automated checks → output in quarantine → review →
release. :mod:`~likeness.generation.service` holds the rules and the job handler
(``generation.service:run_job``, job kind ``generation``); engines live in
:mod:`likeness.engines`; the durable jobs in :mod:`likeness.jobs`. See
docs/guide/generation.md and decision 0020.
"""
