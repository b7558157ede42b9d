"""``likeness watermark embed|detect`` end to end, on files, through the root CLI."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import Result
from PIL import Image
from typer.testing import CliRunner

from likeness.cli import app
from likeness.imaging import watermark
from likeness.settings import Settings

runner = CliRunner()
PAYLOAD_HEX = "00000000075bcd15"


def picture(size: int = 320) -> np.ndarray:
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    img = np.stack([xx / size * 160 + 40, yy / size * 140 + 50, 200 - xx / size * 100], -1)
    texture = cv2.resize(
        rng.standard_normal((size // 4, size // 4)).astype(np.float32), (size, size)
    )
    img += texture[..., None] * 14 + rng.standard_normal((size, size, 1)).astype(np.float32) * 3
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "wm.key"
    path.write_bytes(watermark.generate_key())
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.png"
    Image.fromarray(picture()).save(path)
    return path


def embed(source: Path, target: Path, key_file: Path) -> Result:
    """``likeness watermark embed`` with the test payload and key."""
    args = [str(source), str(target), "--payload", PAYLOAD_HEX, "--key-file", str(key_file)]
    return runner.invoke(app, ["watermark", "embed", *args])


def detect_json(path: Path, key_file: Path) -> dict[str, object]:
    result = runner.invoke(
        app, ["watermark", "detect", str(path), "--key-file", str(key_file), "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_embed_then_detect_round_trips_through_each_format(
    tmp_path: Path, source: Path, key_file: Path, suffix: str
) -> None:
    target = tmp_path / f"out{suffix}"
    result = embed(source, target, key_file)
    assert result.exit_code == 0, result.output
    assert PAYLOAD_HEX in result.stdout
    found = detect_json(target, key_file)
    box = found.pop("box")
    assert found == {
        "found": True,
        "payload": PAYLOAD_HEX,
        "confidence": pytest.approx(1.0, abs=0.1),
    }
    # the whole picture is marked: the box where it was read covers most of it
    assert isinstance(box, list) and len(box) == 4
    left, top, right, bottom = box
    assert 0 <= left < right <= 320 and 0 <= top < bottom <= 320
    assert (right - left) * (bottom - top) >= 0.5 * 320 * 320


def test_unmarked_image_and_wrong_key_report_nothing(
    tmp_path: Path, source: Path, key_file: Path
) -> None:
    assert detect_json(source, key_file) == {
        "found": False,
        "payload": None,
        "confidence": 0.0,
        "box": None,
    }
    target = tmp_path / "out.png"
    embed(source, target, key_file)
    other = tmp_path / "other.key"
    other.write_bytes(watermark.generate_key())
    assert detect_json(target, other)["found"] is False
    plain = runner.invoke(app, ["watermark", "detect", str(source), "--key-file", str(key_file)])
    assert plain.exit_code == 0
    assert "no watermark found" in plain.stdout
    marked = runner.invoke(app, ["watermark", "detect", str(target), "--key-file", str(key_file)])
    assert f"found payload {PAYLOAD_HEX}" in marked.stdout and "read at pixels" in marked.stdout


def test_default_key_comes_from_likeness_home(home: Path, source: Path) -> None:
    missing = runner.invoke(app, ["watermark", "detect", str(source)])
    assert missing.exit_code == 1
    assert "likeness init" in missing.output and "--key-file" in missing.output
    keys_dir = Settings().keys_dir
    keys_dir.mkdir(parents=True)
    (keys_dir / "watermark.key").write_bytes(watermark.generate_key())
    target = home / "out.jpg"
    embedded = runner.invoke(
        app, ["watermark", "embed", str(source), str(target), "--payload", PAYLOAD_HEX]
    )
    assert embedded.exit_code == 0, embedded.output
    found = runner.invoke(app, ["watermark", "detect", str(target)])
    assert found.exit_code == 0
    assert f"found payload {PAYLOAD_HEX}" in found.stdout


def test_exif_orientation_is_applied_before_marking(tmp_path: Path, key_file: Path) -> None:
    pixels = picture(320)[:, :256]  # 320 tall, 256 wide as stored
    rotated_source = tmp_path / "oriented.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise
    Image.fromarray(pixels).save(rotated_source, quality=95, exif=exif)
    target = tmp_path / "out.png"
    result = embed(rotated_source, target, key_file)
    assert result.exit_code == 0, result.output
    with Image.open(target) as out:
        assert out.size == (320, 256)  # upright: width and height swapped
    assert detect_json(target, key_file)["payload"] == PAYLOAD_HEX


def test_sixteen_bit_png_and_alpha_keep_their_format(tmp_path: Path, key_file: Path) -> None:
    deep = picture().astype(np.uint16) * 257
    source16 = tmp_path / "deep.png"
    cv2.imwrite(str(source16), deep[:, :, ::-1])
    out16 = tmp_path / "deep-out.png"
    embed(source16, out16, key_file)
    reread = cv2.imread(str(out16), cv2.IMREAD_UNCHANGED)
    assert reread.dtype == np.uint16 and reread.shape == deep.shape
    assert detect_json(out16, key_file)["payload"] == PAYLOAD_HEX

    rgba = np.dstack([picture(), np.full((320, 320), 200, np.uint8)])
    source_rgba = tmp_path / "alpha.png"
    Image.fromarray(rgba).save(source_rgba)
    out_rgba = tmp_path / "alpha-out.webp"
    embed(source_rgba, out_rgba, key_file)
    with Image.open(out_rgba) as out:
        assert out.mode == "RGBA"
    assert detect_json(out_rgba, key_file)["payload"] == PAYLOAD_HEX
    refused = embed(source_rgba, tmp_path / "a.jpg", key_file)
    assert refused.exit_code == 1
    assert "transparency" in refused.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--payload", "1234"], "16 hex digits"),
        (["--payload", "zz" * 8], "16 hex digits"),
    ],
)
def test_bad_payloads_are_one_line_errors(
    tmp_path: Path, source: Path, key_file: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(
        app,
        [
            "watermark",
            "embed",
            str(source),
            str(tmp_path / "o.png"),
            *args,
            "--key-file",
            str(key_file),
        ],
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_files_and_keys_are_one_line_errors(
    tmp_path: Path, source: Path, key_file: Path
) -> None:
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    cases = [
        (["detect", str(tmp_path / "missing.png"), "--key-file", str(key_file)], "does not exist"),
        (["detect", str(not_image), "--key-file", str(key_file)], "not a readable image"),
        (["detect", str(source), "--key-file", str(tmp_path / "nokey")], "does not exist"),
        (
            [
                "embed",
                str(source),
                str(tmp_path / "o.gif"),
                "--payload",
                PAYLOAD_HEX,
                "--key-file",
                str(key_file),
            ],
            ".jpg, .jpeg, .png or .webp",
        ),
    ]
    short_key = tmp_path / "short.key"
    short_key.write_bytes(b"123")
    cases.append((["detect", str(source), "--key-file", str(short_key)], "at least 16 bytes"))
    small = tmp_path / "small.png"
    Image.fromarray(picture()[:100, :100]).save(small)
    cases.append((["detect", str(small), "--key-file", str(key_file)], "at least 128 px"))
    for args, message in cases:
        result = runner.invoke(app, ["watermark", *args])
        assert result.exit_code == 1, args
        assert message in result.output, (args, result.output)
