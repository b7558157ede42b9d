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
    ├── ModelMissing           the file is not installed
    └── ModelManifestInvalid   a weights folder's manifest is absent or malformed, or
                               the folder holds an unlisted file, a link,
                               code or pickled weights

Folders of weights an operator brings (a diffusers pipeline) carry their own manifest,
``likeness-model.json`` (:func:`write_manifest`, ``likeness models manifest``), checked by
:func:`admit_folder` before they are loaded: every file's SHA-256, no unlisted file (of
any kind), no symbolic link, no code and no pickled weights,
and the licence tag against :data:`LICENSES` (an unknown tag is refused like a
non-commercial one unless the operator opts in).

Models the platform trains itself (relighting priors, decision 0028) take their terms
from their sources (:func:`derived_terms`: commercial only if every source is) and are
admitted by :func:`admit_trained` under the same opt-in; their records and training
manifests live in the database (``likeness relight priors``).
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
    ModelManifestInvalid,
    ModelMissing,
    ModelNotRegistered,
)
from likeness.modelreg._folder import (
    MANIFEST_NAME,
    AdmittedFolder,
    FolderManifest,
    admit_folder,
    folder_commercial_use,
    is_weight_file,
    read_manifest,
    write_manifest,
)
from likeness.modelreg._licenses import LICENSES, LicenseTerms, license_terms
from likeness.modelreg._registry import REGISTRY, ModelEntry
from likeness.modelreg._trained import (
    CONSENTED_CAPTURE_LICENSE,
    SYNTHETIC_LICENSE,
    admit_trained,
    derived_terms,
)

__all__ = [
    "CONSENTED_CAPTURE_LICENSE",
    "LICENSES",
    "MANIFEST_NAME",
    "OPT_IN_VARIABLE",
    "REGISTRY",
    "SYNTHETIC_LICENSE",
    "AdmittedFolder",
    "AdmittedModel",
    "FolderManifest",
    "LicenseTerms",
    "ModelChecksumMismatch",
    "ModelEntry",
    "ModelError",
    "ModelLicenseRefused",
    "ModelManifestInvalid",
    "ModelMissing",
    "ModelNotRegistered",
    "ModelStatus",
    "admit",
    "admit_file",
    "admit_folder",
    "admit_trained",
    "derived_terms",
    "entries",
    "file_sha256",
    "folder_commercial_use",
    "inventory",
    "is_weight_file",
    "license_terms",
    "locate",
    "noncommercial_allowed",
    "read_manifest",
    "registered",
    "write_manifest",
]
