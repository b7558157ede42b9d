from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from likeness.capture.errors import CaptureInvalid, ManifestInvalid
from likeness.capture.images import CaptureLimits, ImageRefused, decode_bytes, inspect_bytes
from likeness.capture.ingest import OpenedCapture, read_manifest, validate_capture
from likeness.capture.manifest import parse_manifest
from likeness.capture.synthetic import RigConfig, write_capture
from likeness.kit.documents import MAX_DOCUMENT_BYTES

CONFIG = RigConfig(size=64, lights=4, shadow_resolution=64, yaws=(-25.0, 0.0))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_capture(tmp_path_factory.mktemp("pristine") / "s", seed=11, config=CONFIG).parent


@pytest.fixture
def session(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "session"))


def validate(folder: Path, limits: CaptureLimits | None = None):  # type: ignore[no-untyped-def]
    with OpenedCapture(folder, limits) as opened:
        return validate_capture(opened.folder(), read_manifest(opened), limits)


def edit_manifest(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / "capture.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def problems_of(folder: Path, limits: CaptureLimits | None = None) -> list[str]:
    with pytest.raises(CaptureInvalid) as err:
        validate(folder, limits)
    return [str(p) for p in err.value.problems]


def test_valid_session_is_described_view_by_view(session: Path) -> None:
    capture = validate(session)
    assert [v.id for v in capture.views] == ["view0", "view1"]
    front = capture.views[1]
    assert front.yaw == 0.0 and len(front.olat_files) == 4
    assert front.full_file == "view1/full.tif" and front.alpha_file == "view1/alpha.png"
    pixels = capture.load(front.olat_files[0])
    assert pixels.shape == (64, 64, 3) and pixels.dtype == np.float32
    assert float(pixels.min()) >= 0.0 and float(pixels.max()) <= 1.0
    assert capture.rig_dirs.shape == (4, 3)


def test_zip_is_unpacked_privately_and_removed(session: Path, tmp_path: Path) -> None:
    archive = tmp_path / "session.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in session.rglob("*"):
            zf.write(f, f.relative_to(session))
    with OpenedCapture(archive) as opened:
        root = opened.root
        assert validate_capture(root, read_manifest(opened)).frame_count == 14
    assert not root.exists()


def test_failed_zip_ingest_leaves_nothing_behind(session: Path, tmp_path: Path) -> None:
    (session / "view0" / "light_000.tif").write_bytes(b"not an image")
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in session.rglob("*"):
            zf.write(f, f.relative_to(session))
    before = set(Path(tempfile.gettempdir()).glob("likeness-capture-*"))
    with pytest.raises(CaptureInvalid), OpenedCapture(archive) as opened:
        validate_capture(opened.root, read_manifest(opened))
    assert set(Path(tempfile.gettempdir()).glob("likeness-capture-*")) == before


def _zip(folder: Path, archive: Path, prefix: str = "", method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(archive, "w", compression=method) as zf:
        for f in sorted(folder.rglob("*")):
            zf.write(f, prefix + f.relative_to(folder).as_posix())
    return archive


def test_a_zip_that_wraps_the_capture_in_one_folder_validates(
    session: Path, tmp_path: Path
) -> None:
    archive = _zip(session, tmp_path / "wrapped.zip", prefix="shoot-2026-11/")
    with OpenedCapture(archive) as opened:
        assert opened.folder().name == "shoot-2026-11"
        assert validate_capture(opened.folder(), read_manifest(opened)).frame_count == 14


def test_a_damaged_member_is_named_not_a_traceback(session: Path, tmp_path: Path) -> None:
    archive = _zip(session, tmp_path / "damaged.zip", method=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(archive) as zf:
        member = next(m for m in zf.infolist() if m.filename.endswith(".tif"))
    data = bytearray(archive.read_bytes())
    # Past the local header: scramble the compressed bytes of that member.
    start = member.header_offset + 30 + len(member.filename.encode()) + 8
    data[start : start + 64] = bytes(64)
    archive.write_bytes(bytes(data))
    damaged = f"{member.filename}: damaged in the archive"
    with pytest.raises(ManifestInvalid, match=damaged), OpenedCapture(archive):
        pass


def _patched(archive: Path, find: bytes, offset: int, value: bytes) -> Path:
    data = bytearray(archive.read_bytes())
    at = data.rfind(find) + offset
    data[at : at + len(value)] = value
    archive.write_bytes(bytes(data))
    return archive


@pytest.mark.parametrize(
    ("find", "offset", "value", "message"),
    [
        # The directory's offset points before the file: members' headers cannot be found.
        (b"PK\x05\x06", 16, b"\xff\xff", r"^[^:]+: damaged in the archive \(\[Errno 22\]"),
        (b"PK\x05\x06", 12, b"\xff\xff", "^mycap.zip: not a readable zip archive"),
        (b"PK\x01\x02", 6, bytes([117]), "^mycap.zip: not a readable zip archive"),
    ],
    ids=["seek-before-start", "bad-directory", "unknown-version"],
)
def test_a_damaged_directory_is_one_clear_error(
    session: Path, tmp_path: Path, find: bytes, offset: int, value: bytes, message: str
) -> None:
    archive = _patched(_zip(session, tmp_path / "mycap.zip"), find, offset, value)
    with (
        pytest.raises(ManifestInvalid, match=message) as err,
        OpenedCapture(archive, label="mycap.zip"),
    ):
        pass
    assert str(tmp_path) not in err.value.message  # never the server's path


def test_errors_name_the_upload_not_the_server_path(tmp_path: Path) -> None:
    bogus = tmp_path / "spool" / "capture.zip"
    bogus.parent.mkdir()
    bogus.write_bytes(b"not a zip")
    with pytest.raises(ManifestInvalid) as err, OpenedCapture(bogus, label="my-shoot.zip"):
        pass
    assert err.value.message == "my-shoot.zip: not a folder or a zip archive"
    assert str(tmp_path) not in err.value.message


def test_zip_with_escaping_path_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.txt", "x")
    with pytest.raises(ManifestInvalid, match="leaves the archive"), OpenedCapture(archive):
        pass


def test_missing_light_is_named(session: Path) -> None:
    edit_manifest(session, lambda d: d["frames"].pop(1))
    (session / "view0" / "light_001.tif").unlink()
    found = problems_of(session)
    assert any(p.startswith("view0: missing frame for light azimuth") for p in found)


def test_duplicate_content_and_listing_are_named(session: Path) -> None:
    shutil.copy(session / "view0" / "light_000.tif", session / "view0" / "light_002.tif")
    assert "view0/light_002.tif: duplicate of view0/light_000.tif (same content)" in problems_of(
        session
    )
    edit_manifest(session, lambda d: d["frames"].append(dict(d["frames"][0])))
    assert any("listed 2 times" in p for p in problems_of(session))


def test_size_mismatch_in_a_view_is_named(session: Path) -> None:
    Image.new("RGB", (80, 64)).save(session / "view1" / "light_003.tif", format="PNG")
    found = problems_of(session)
    assert any(p.startswith("view1/light_003.tif: size 80×64 differs") for p in found)


def test_not_an_image_and_missing_file_are_named(session: Path) -> None:
    (session / "view1" / "light_000.tif").write_text("hello")
    (session / "view1" / "light_001.tif").unlink()
    found = problems_of(session)
    assert "view1/light_000.tif: not a JPEG, PNG, TIFF or EXR image" in found
    assert "view1/light_001.tif: file is missing" in found


def test_truncated_image_is_named(session: Path) -> None:
    path = session / "view1" / "light_002.tif"
    path.write_bytes(path.read_bytes()[:2000])
    assert any(p.startswith("view1/light_002.tif:") for p in problems_of(session))


def test_a_truncated_tiff_is_refused_without_opencv_noise(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 120, np.uint8)).save(buffer, format="TIFF")
    truncated = buffer.getvalue()[:400]  # the header survives, the pixels do not
    info = inspect_bytes(truncated, CaptureLimits())
    with pytest.raises(ImageRefused, match="corrupt or truncated"):
        decode_bytes(truncated, info, "srgb")
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")  # the refusal is the only word on it


def test_pixel_limit_refuses_before_decoding(session: Path) -> None:
    found = problems_of(session, CaptureLimits(max_pixels=1000))
    assert any("possible decompression bomb" in p for p in found)


def test_real_decompression_bomb_is_refused(session: Path) -> None:
    # 9000×9000 one-bit PNG: a few kilobytes on disk, 81 megapixels when decoded.
    Image.new("1", (9000, 9000)).save(session / "view1" / "light_000.tif", format="PNG")
    assert (session / "view1" / "light_000.tif").stat().st_size < 100_000
    found = problems_of(session)
    assert any(p.startswith("view1/light_000.tif: 9000×9000") for p in found)


def test_file_size_limit(session: Path) -> None:
    found = problems_of(session, CaptureLimits(max_file_bytes=100))
    assert any("over the 100-byte limit" in p for p in found)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    folder = tmp_path / "jpeg"
    folder.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    frames = []
    rng = np.random.default_rng(0)
    for n, az in enumerate((0.0, 90.0)):
        img = Image.fromarray(rng.integers(0, 255, (96, 64, 3), dtype=np.uint8))
        img.save(folder / f"l{n}.jpg", exif=exif)
        frames.append({"file": f"l{n}.jpg", "view": "v", "light": {"azimuth": az, "elevation": 0}})
    (folder / "capture.json").write_text(
        json.dumps({"views": [{"id": "v", "yaw": 0}], "frames": frames})
    )
    capture = validate(folder)
    assert (capture.views[0].width, capture.views[0].height) == (96, 64)
    assert capture.load("l0.jpg").shape == (64, 96, 3)


def test_manifest_errors_are_clear() -> None:
    with pytest.raises(ManifestInvalid, match="not valid JSON"):
        parse_manifest("{", source="capture.json")
    with pytest.raises(ManifestInvalid, match="inside the capture folder"):
        parse_manifest(
            json.dumps(
                {
                    "views": [{"id": "v"}],
                    "frames": [{"file": "../x.png", "view": "v", "light": "full"}],
                }
            )
        )
    with pytest.raises(ManifestInvalid, match="unknown view"):
        parse_manifest(
            json.dumps(
                {
                    "views": [{"id": "v"}],
                    "frames": [{"file": "a.png", "view": "w", "light": "full"}],
                }
            )
        )
    with pytest.raises(ManifestInvalid, match="outside"):
        parse_manifest(
            json.dumps(
                {
                    "views": [{"id": "v"}],
                    "frames": [
                        {"file": "a.png", "view": "v", "light": {"azimuth": 0, "elevation": 91}}
                    ],
                }
            )
        )


def test_a_deeply_nested_manifest_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "capture.json").write_text("[" * 5000)
    with pytest.raises(ManifestInvalid, match=r"^capture\.json nests lists or objects deeper"):
        validate(folder)


@pytest.mark.parametrize("name", ["capture.json", "capture.csv"])
def test_one_manifest_size_limit_from_a_folder_and_from_a_zip(tmp_path: Path, name: str) -> None:
    size = 60 * 1024 * 1024
    folder = tmp_path / "big"
    folder.mkdir()
    with (folder / name).open("wb") as f:
        f.truncate(size)  # sparse: refused from its size, never read
    expected = f"^{name} is {size} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit"
    with pytest.raises(ManifestInvalid, match=expected):
        validate(folder)
    archive = tmp_path / "big.zip"
    chunk = b" " * (1024 * 1024)
    with (
        zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open(f"shoot/{name}", "w") as member,
    ):
        for _ in range(size // len(chunk)):
            member.write(chunk)
    with pytest.raises(ManifestInvalid, match=expected), OpenedCapture(archive):
        pass


def test_csv_manifest() -> None:
    text = (
        "file,view_yaw,view_pitch,light_azimuth,light_elevation,light_kind,background,alpha\n"
        "f/a.png,0,0,10,20,olat,f/bg.png,f/alpha.png\n"
        "f/b.png,0,0,-10,20,,,\n"
        "f/full.png,0,0,,,full,,\n"
        "s/a.png,30,0,10,20,,,\n"
    )
    manifest = parse_manifest(text, source="capture.csv")
    assert len(manifest.views) == 2 and len(manifest.rig_lights) == 2
    front = manifest.views[0]
    assert (front.yaw, front.background, front.alpha) == (0.0, "f/bg.png", "f/alpha.png")
    assert [f.light.kind for f in manifest.frames_of(front.id)] == ["olat", "olat", "full"]
    with pytest.raises(ManifestInvalid, match="columns"):
        parse_manifest("name\nx\n", source="capture.csv")


def test_exr_frames_are_read_as_linear_float(tmp_path: Path) -> None:
    openexr = pytest.importorskip("OpenEXR")
    folder = tmp_path / "exr"
    folder.mkdir()
    rng = np.random.default_rng(3)
    frames = []
    header = {"compression": openexr.ZIP_COMPRESSION, "type": openexr.scanlineimage}
    for n, az in enumerate((0.0, 90.0)):
        rgb = (rng.random((72, 80, 3)) * 2.0).astype(np.float32)  # HDR: above 1.0 is fine
        with openexr.File(header, {"RGB": rgb}) as f:
            f.write(str(folder / f"l{n}.exr"))
        frames.append({"file": f"l{n}.exr", "view": "v", "light": {"azimuth": az, "elevation": 0}})
    (folder / "capture.json").write_text(
        json.dumps({"encoding": "linear", "views": [{"id": "v"}], "frames": frames})
    )
    capture = validate(folder)
    assert capture.infos["l0.exr"].format == "exr"
    assert (capture.views[0].width, capture.views[0].height) == (80, 72)
    pixels = capture.load("l1.exr")
    assert pixels.shape == (72, 80, 3) and float(pixels.max()) > 1.0
    (folder / "l1.exr").write_bytes((folder / "l1.exr").read_bytes()[:300])
    assert any(p.startswith("l1.exr:") for p in problems_of(folder))
