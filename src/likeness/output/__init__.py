"""Outputs: every image made from a twin, from quarantine through review to release.

An output is created under one license (``service.create``: the decision for action
``generate`` under that license, the image sealed with the twin's key, a registered
preview carrying the visible "PREVIEW — not for publication" mark and the watermark). It
waits in quarantine for the talent's review (or the agent's, where the license delegates
review; approval is automatic and still logged under ``pre_approved``). An approved output
is released (``service.release``: the decision for action ``release`` under the same
license, a fresh asset id, the stamp, the asset registry and the license quota, in one
transaction). Nothing in quarantine is ever served to a brand.
"""
