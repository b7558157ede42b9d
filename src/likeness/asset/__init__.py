"""The asset registry: every marked image the platform let out, and what became of it.

A released (or previewed) image is registered here with a fresh 64-bit mark that its
watermark carries, stored sealed with the twin's data key, and traced back to its
output, twin, talent, brand, license and consent. Brands download their active
releases and report where they published them; when a license ends or a consent is
revoked, :func:`likeness.asset.service.settle` marks the assets expired or revoked with a
take-down date (licensing never calls this package: the registry reads license and
consent state itself). ``verify`` looks a watermark or manifest up here.
"""
