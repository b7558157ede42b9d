"""Relighting priors learned from consented captures (issue 25, decision 0028).

A prior (``likeness.imaging.relight.RelightPrior``) is trained from the OLAT bases of
twins whose talent's creation consent in force names ``train``, plus the synthetic cast
and bases the operator declares licensed; it is sealed under its own key, registered
with a training manifest (captures by id and hash, when, the code version) and a licence
that follows from its sources, and used by every twin's render until it is replaced or
retired. Revoking ``train`` (or the whole creation consent) retires every prior that
learned from the talent and queues a retrain without them. Operators only:
``likeness relight train-prior|priors|show|retire``, ``/relight/priors``.
"""
