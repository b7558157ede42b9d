"""Locating and lazily loading dlib's models from the installed package."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from likeness.imaging.faces._errors import ModelsUnavailable

_PACKAGE = "face_recognition_models"
_FILES = {
    "shape68": "shape_predictor_68_face_landmarks.dat",
    "resnet": "dlib_face_recognition_resnet_model_v1.dat",
}


def models_dir() -> Path:
    """Folder of the ``.dat`` files shipped by the ``face-recognition-models`` wheel.

    ``find_spec`` locates the package without running its ``__init__`` (which imports
    the removed ``pkg_resources``), so nothing is downloaded and nothing is imported.
    """
    spec = importlib.util.find_spec(_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "models"
        if folder.is_dir():
            return folder
    raise ModelsUnavailable("face models not found: install the `face-recognition-models` package")


def model_path(name: str) -> Path:
    path = models_dir() / _FILES[name]
    if not path.is_file():
        raise ModelsUnavailable(f"face model file missing: {path}")
    return path


class DlibModels:
    """dlib's detector, landmark predictor and embedding network, loaded on first use.

    Loading takes about a second and ~100 MB, so it happens once per instance and only
    when a method needs it; an instance is safe to share between threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._detector: Any = None
        self._shape68: Any = None
        self._resnet: Any = None

    @staticmethod
    def _dlib() -> Any:
        try:
            import dlib
        except ImportError as exc:  # pragma: no cover - dlib-bin is a dependency
            raise ModelsUnavailable("dlib is not installed: install `dlib-bin`") from exc
        return dlib

    @property
    def detector(self) -> Any:
        with self._lock:
            if self._detector is None:
                self._detector = self._dlib().get_frontal_face_detector()
            return self._detector

    @property
    def shape68(self) -> Any:
        with self._lock:
            if self._shape68 is None:
                self._shape68 = self._dlib().shape_predictor(str(model_path("shape68")))
            return self._shape68

    @property
    def resnet(self) -> Any:
        with self._lock:
            if self._resnet is None:
                self._resnet = self._dlib().face_recognition_model_v1(str(model_path("resnet")))
            return self._resnet
