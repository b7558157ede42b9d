"""Locating, vetting and lazily loading dlib's models through the model registry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from likeness import modelreg
from likeness.imaging.faces._errors import ModelsUnavailable
from likeness.imaging.faces._resnet import ResnetFormatError, ResnetWeights, load_weights

log = logging.getLogger(__name__)

#: Registry names of the models a :class:`DlibModels` loads.
DETECTOR = "dlib-hog-frontal-face"
SHAPE5 = "dlib-shape-predictor-5"
RESNET = "dlib-resnet-face-v1"
#: Where the NumPy port's weights (parsed from :data:`RESNET`'s file) are kept.
_RESNET_WEIGHTS = RESNET + "/numpy"


def models_dir() -> Path:
    """Folder of the ``.dat`` files shipped by the ``face-recognition-models`` wheel.

    Found without importing the package (its ``__init__`` imports the removed
    ``pkg_resources``), so nothing is downloaded and nothing is imported.
    """
    path = modelreg.locate(modelreg.registered(SHAPE5))
    if path is None:
        raise ModelsUnavailable(
            "face models not found: install the `face-recognition-models` package"
        )
    return path.parent


class DlibModels:
    """dlib's detector, 5-point landmark predictor and embedding network, loaded on first use.

    Every model is admitted by :mod:`likeness.modelreg` first (hash and licence); loading
    takes about a second and ~30 MB, so it happens once per instance and only when a
    method needs it; an instance is safe to share between threads. ``allow_noncommercial``
    overrides the operator's setting (``None``: use the setting).
    """

    def __init__(self, *, allow_noncommercial: bool | None = None) -> None:
        self._lock = threading.Lock()
        self._allow = allow_noncommercial
        self._loaded: dict[str, Any] = {}
        self._admitted: dict[str, modelreg.AdmittedModel] = {}

    @staticmethod
    def _dlib() -> Any:
        try:
            import dlib
        except ImportError as exc:  # pragma: no cover - dlib-bin is a dependency
            raise ModelsUnavailable("dlib is not installed: install `dlib-bin`") from exc
        return dlib

    def _admit(self, name: str) -> modelreg.AdmittedModel:
        try:
            admitted = modelreg.admit(name, allow_noncommercial=self._allow)
        except modelreg.ModelMissing as exc:
            raise ModelsUnavailable(exc.message) from exc
        self._admitted[name] = admitted
        return admitted

    def admitted(self) -> list[modelreg.AdmittedModel]:
        """The models this instance has loaded so far, in load order."""
        with self._lock:
            return list(self._admitted.values())

    def _model(self, name: str, load: Callable[[Any, Path | None], Any]) -> Any:
        """The model ``name``, admitted and loaded (``load(dlib, path)``) on first use."""
        with self._lock:
            if name not in self._loaded:
                path = self._admit(name).path
                self._loaded[name] = load(self._dlib(), path)
            return self._loaded[name]

    def path_of(self, name: str) -> Path:
        """The admitted file of model ``name`` (loading it here first, as a use would)."""
        loaders = {DETECTOR: lambda: self.detector, SHAPE5: lambda: self.shape5}
        loaders.get(name, lambda: self.resnet)()
        with self._lock:
            path = self._admitted[name].path
        if path is None:
            raise ModelsUnavailable(f"model {name} has no file")
        return path

    @property
    def detector(self) -> Any:
        return self._model(DETECTOR, lambda dlib, _: dlib.get_frontal_face_detector())

    @property
    def shape5(self) -> Any:
        return self._model(SHAPE5, lambda dlib, path: dlib.shape_predictor(str(path)))

    @property
    def resnet(self) -> Any:
        return self._model(RESNET, lambda dlib, path: dlib.face_recognition_model_v1(str(path)))

    @property
    def resnet_weights(self) -> ResnetWeights | None:
        """The embedding network's weights for :mod:`likeness.imaging.faces._resnet`,
        parsed from the same admitted file dlib loads; ``None`` (logged once) when that
        file is not exactly the network the port implements: dlib embeds instead."""
        with self._lock:
            if _RESNET_WEIGHTS not in self._loaded:
                path = self._admit(RESNET).path
                weights: ResnetWeights | None = None
                if path is None:
                    raise ModelsUnavailable(f"model {RESNET} has no file")
                try:
                    weights = load_weights(path)
                except (ResnetFormatError, OSError) as exc:
                    log.warning("embedding with dlib: %s does not parse (%s)", path.name, exc)
                self._loaded[_RESNET_WEIGHTS] = weights
            loaded: ResnetWeights | None = self._loaded[_RESNET_WEIGHTS]
            return loaded
