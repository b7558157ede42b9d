"""The model registry: which model files Likeness may load, and on what terms.

Every model file the code can load is listed in :data:`REGISTRY` with the package that
installs it, its SHA-256, its licence and whether that licence allows commercial use.
Code never opens a model file directly: it asks :func:`admit` first, which finds the
installed file (without importing its package), checks its hash (once per process) and
its licence. A file not in the registry, one whose hash differs, or one whose licence
forbids commercial use is refused unless the operator opts in with
``LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1``; an opted-in load is logged, and QC records
it in its report and audit event.

Usage::

    from likeness import modelreg

    model = modelreg.admit("dlib-shape-predictor-5")      # AdmittedModel(path=…, sha256=…)
    predictor = dlib.shape_predictor(str(model.path))
    for status in modelreg.inventory():                     # what `likeness models` prints
        print(status.entry.name, status.status)

Exceptions (all subclasses of :class:`likeness.errors.LikenessError`, HTTP 500)::

    ModelError
    ├── ModelNotRegistered     unknown name, or a file whose hash no entry has
    ├── ModelChecksumMismatch  the installed file is not the one vetted
    ├── ModelLicenseRefused    the licence forbids commercial use
    └── ModelMissing           the file is not installed
"""

from likeness.modelreg._check import (
    OPT_IN_VARIABLE,
    AdmittedModel,
    ModelStatus,
    admit,
    admit_file,
    entries,
    file_sha256,
    inventory,
    locate,
    noncommercial_allowed,
    registered,
)
from likeness.modelreg._errors import (
    ModelChecksumMismatch,
    ModelError,
    ModelLicenseRefused,
    ModelMissing,
    ModelNotRegistered,
)
from likeness.modelreg._registry import REGISTRY, ModelEntry

__all__ = [
    "OPT_IN_VARIABLE",
    "REGISTRY",
    "AdmittedModel",
    "ModelChecksumMismatch",
    "ModelEntry",
    "ModelError",
    "ModelLicenseRefused",
    "ModelMissing",
    "ModelNotRegistered",
    "ModelStatus",
    "admit",
    "admit_file",
    "entries",
    "file_sha256",
    "inventory",
    "locate",
    "noncommercial_allowed",
    "registered",
]
