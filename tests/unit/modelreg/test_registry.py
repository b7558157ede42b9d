from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from likeness import modelreg
from likeness.modelreg import _check
from likeness.modelreg._registry import ModelEntry


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``fake_models`` with a ``models/`` folder, found by find_spec."""
    package = tmp_path / "fake_models"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return package / "models"


def _entry(name: str, file: str, sha: str, *, commercial: bool = True) -> ModelEntry:
    return ModelEntry(
        name=name,
        file=file,
        module="fake_models",
        folder="models",
        package="fake-models",
        sha256=sha,
        license="CC0-1.0" if commercial else "research only",
        commercial_use=commercial,
        source="https://example.org/models",
        used_for="tests",
    )


@pytest.fixture
def registry(fake_package: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two registered fake models: ``good`` (commercial) and ``research`` (not)."""
    (fake_package / "good.bin").write_bytes(b"good weights")
    (fake_package / "research.bin").write_bytes(b"research weights")
    entries = (
        _entry("good", "good.bin", modelreg.file_sha256(fake_package / "good.bin")),
        _entry(
            "research",
            "research.bin",
            modelreg.file_sha256(fake_package / "research.bin"),
            commercial=False,
        ),
        _entry("absent", "absent.bin", "0" * 64),
    )
    monkeypatch.setattr(_check, "REGISTRY", entries)
    monkeypatch.delenv(modelreg.OPT_IN_VARIABLE, raising=False)
    return fake_package


def test_every_entry_is_complete_and_unique() -> None:
    names = [e.name for e in modelreg.REGISTRY]
    assert len(names) == len(set(names))
    for entry in modelreg.REGISTRY:
        assert entry.license and entry.source.startswith("https://") and entry.package
        if entry.file is not None:
            assert entry.sha256 is not None and len(entry.sha256) == 64
            int(entry.sha256, 16)
    # The 68-point predictor is listed so that it is refused, never used.
    assert not modelreg.registered("dlib-shape-predictor-68").commercial_use


def test_installed_face_models_match_their_pinned_hashes() -> None:
    for name in ("dlib-shape-predictor-5", "dlib-resnet-face-v1"):
        admitted = modelreg.admit(name, allow_noncommercial=False)
        assert admitted.path is not None and admitted.path.is_file()
        assert admitted.sha256 == modelreg.registered(name).sha256
        assert not admitted.opted_in


def test_the_68_point_model_is_refused_without_opt_in() -> None:
    with pytest.raises(modelreg.ModelLicenseRefused, match="may not be used commercially"):
        modelreg.admit("dlib-shape-predictor-68", allow_noncommercial=False)


def test_admits_a_registered_commercial_model(registry: Path) -> None:
    admitted = modelreg.admit("good")
    assert admitted.path == registry / "good.bin"
    assert admitted.entry is not None and admitted.entry.name == "good"
    assert not admitted.opted_in


def test_refuses_an_unknown_name(registry: Path) -> None:
    with pytest.raises(modelreg.ModelNotRegistered, match="'nope' is not in the model registry"):
        modelreg.admit("nope")


def test_refuses_an_unknown_file_unless_opted_in(registry: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.dat"
    stray.write_bytes(b"someone's weights")
    with pytest.raises(modelreg.ModelNotRegistered) as caught:
        modelreg.admit_file(stray)
    assert modelreg.OPT_IN_VARIABLE in caught.value.message
    assert caught.value.status_code == 500
    admitted = modelreg.admit_file(stray, allow_noncommercial=True)
    assert admitted.opted_in and admitted.entry is None


def test_admit_file_recognises_a_registered_file_by_content(registry: Path, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.bin"
    shutil.copy(registry / "good.bin", copy)
    assert modelreg.admit_file(copy).name == "good"
    shutil.copy(registry / "research.bin", copy)
    with pytest.raises(modelreg.ModelLicenseRefused):
        modelreg.admit_file(copy)


def test_refuses_a_file_whose_hash_differs(registry: Path) -> None:
    (registry / "good.bin").write_bytes(b"tampered weights")
    with pytest.raises(modelreg.ModelChecksumMismatch, match=r"not the .* the registry vetted"):
        modelreg.admit("good")
    opted = modelreg.admit("good", allow_noncommercial=True)
    assert opted.opted_in and opted.entry is not None and opted.entry.name == "good"


def test_refuses_a_noncommercial_model_without_opt_in(registry: Path) -> None:
    with pytest.raises(modelreg.ModelLicenseRefused, match="research only"):
        modelreg.admit("research")


def test_opt_in_setting_admits_and_logs(
    registry: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(modelreg.OPT_IN_VARIABLE, "1")
    monkeypatch.setattr(_check, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="likeness.modelreg"):
        admitted = modelreg.admit("research")
    assert admitted.opted_in and "may not be used commercially" in admitted.reason
    assert admitted.to_dict()["opted_in"] is True
    assert any("research" in r.getMessage() for r in caplog.records)
    # An explicit refusal beats the setting.
    with pytest.raises(modelreg.ModelLicenseRefused):
        modelreg.admit("research", allow_noncommercial=False)


def test_missing_file_is_a_clear_error(registry: Path) -> None:
    with pytest.raises(modelreg.ModelMissing, match=r"absent\.bin.*install `fake-models`"):
        modelreg.admit("absent")


def test_hash_is_computed_once_per_process(registry: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_check, "_hashes", {})
    opened: list[Path] = []
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", counting_open)
    for _ in range(3):
        modelreg.admit("good")
    assert opened.count(registry / "good.bin") == 1


def test_inventory_reports_each_status(registry: Path) -> None:
    (registry / "research.bin").write_bytes(b"changed")
    statuses = {s.entry.name: s for s in modelreg.inventory(allow_noncommercial=False)}
    assert statuses["good"].status == "ok" and statuses["good"].ok
    assert statuses["research"].status == "checksum-mismatch"
    assert statuses["absent"].status == "missing" and not statuses["absent"].ok
    row = statuses["good"].to_dict()
    assert row["sha256"] == modelreg.file_sha256(registry / "good.bin")
    assert row["commercial_use"] is True and row["license"] == "CC0-1.0"


@pytest.mark.parametrize("allow", [False, True])
def test_inventory_says_ok_exactly_where_admit_loads(registry: Path, allow: bool) -> None:
    (registry / "good.bin").write_bytes(b"tampered")  # a checksum refusal beside the licence one
    for status in modelreg.inventory(allow_noncommercial=allow):
        if status.ok:
            modelreg.admit(status.entry.name, allow_noncommercial=allow)
        else:
            with pytest.raises(modelreg.ModelError):
                modelreg.admit(status.entry.name, allow_noncommercial=allow)
