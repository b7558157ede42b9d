"""Capture sessions: ingest, quality control and the synthetic capture rig.

- :mod:`likeness.capture.manifest` parses ``capture.json``/CSV manifests;
- :mod:`likeness.capture.ingest` validates a folder or zip (formats, limits, EXIF,
  sizes, duplicates, missing lights) without writing anything;
- :mod:`likeness.capture.qc` checks a session (face, identity, exposure, coverage,
  sharpness);
- :mod:`likeness.capture.synthetic` renders believable synthetic OLAT sessions;
- :mod:`likeness.capture.lights` holds the one direction convention.
"""
