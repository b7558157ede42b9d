"""Compare the watermark detector with an earlier commit's: the same outcome on every picture.

For speed work that must not change behaviour (issue 21): the package
``likeness.imaging.watermark`` is taken from ``--ref`` (``git archive``), imported beside
this tree's under another name, and both read the same pictures: unmarked ones of several
kinds and sizes (tests/unit/imaging/watermark_pictures.py, and OLAT faces when
``--data`` holds them) and marked copies (JPEG, resized, turned, cropped, keystoned, read
with a wrong key), each with and without the scale sweep. Payload, attempts and
confidence must be equal and the sync z equal to float rounding; CPU time of both is
printed. Exits 1 on any difference.

    python tools/watermark_identity.py --ref main --data /work/shared/data/olat-faces
"""

from __future__ import annotations

import argparse
import importlib
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "src/likeness/imaging/watermark"
KEY = bytes(range(32))


def _reference(ref: str, into: Path) -> ModuleType:
    """``ref``'s watermark package, importable as ``wm_reference._detect``."""
    command = ["git", "-C", str(ROOT), "archive", ref, PACKAGE]  # a developer's own ref
    archive = subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "wm_reference"
    (into / PACKAGE).rename(package)
    for path in package.glob("*.py"):
        text = path.read_text().replace("likeness.imaging.watermark", "wm_reference")
        path.write_text(text)
    sys.path.insert(0, str(into))
    return importlib.import_module("wm_reference._detect")


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=quality)
    return np.asarray(Image.open(out).convert("RGB"))


def _keystone(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * 0.06, h * 0.03], [w * 0.95, 0], [w, h], [0, h * 0.97]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def _pictures(data: Path | None, quick: bool) -> list[tuple[str, np.ndarray, bytes]]:
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "imaging"))
    import watermark_pictures as wp

    from likeness.imaging.watermark import embed

    sizes = (256, 640) if quick else (256, 384, 512, 640, 800, 1024)
    out: list[tuple[str, np.ndarray, bytes]] = []
    for size in sizes:
        out.append((f"dense {size}", wp.dense_texture(size, size), KEY))
        out.append((f"woven {size}", wp.woven_fabric(size, size), KEY))
        out.append((f"page {size}", wp.printed_page(size, size), KEY))
        out.append((f"calm {size}", wp.calm_scene(size), KEY))
    if data is not None:
        for path in sorted(data.glob("*/*_P00A+000E+00.png"))[: 2 if quick else 4]:
            out.append((path.parent.name, np.asarray(Image.open(path).convert("RGB")), KEY))
    bases = [("calm", wp.calm_scene(640)), ("dense", wp.dense_texture(640, 7))]
    if not quick:
        bases.append(("dense 512", wp.dense_texture(512, 8)))
    for index, (name, base) in enumerate(bases):
        marked = np.asarray(embed(base, bytes([index + 1] * 8), KEY))
        h, w = marked.shape[:2]
        small = cv2.resize(marked, (int(w * 0.7), int(h * 0.7)), interpolation=cv2.INTER_AREA)
        out += [
            (f"{name} marked", marked, KEY),
            (f"{name} jpeg 40", _jpeg(marked, 40), KEY),
            (f"{name} resized 0.7", small, KEY),
            (f"{name} turned 7°", _rotate(marked, 7), KEY),
            (f"{name} cropped", marked[h // 5 :, w // 7 :].copy(), KEY),
            (f"{name} keystoned", _keystone(marked), KEY),
            (f"{name} wrong key", marked, bytes(32)),
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main", help="the commit to compare with")
    parser.add_argument("--data", type=Path, default=None, help="an OLAT folder (optional)")
    parser.add_argument("--quick", action="store_true", help="fewer pictures")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    from likeness.imaging.watermark import _detect as current

    differences = 0
    cpu = {"reference": 0.0, "current": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        reference = _reference(args.ref, Path(folder))
        pictures = _pictures(args.data, args.quick)
        for number, (name, image, key) in enumerate(pictures):
            for sweep in (False, True):
                found: dict[str, Any] = {}
                readers = [("reference", reference), ("current", current)]
                for label, module in readers if number % 2 else readers[::-1]:
                    start = time.process_time()
                    found[label] = module.detect_array(image, key, sweep=sweep)
                    cpu[label] += time.process_time() - start
                a, b = found["reference"], found["current"]
                same = (a.payload, a.attempts, a.confidence) == (
                    b.payload,
                    b.attempts,
                    b.confidence,
                ) and abs(a.sync_z - b.sync_z) <= 1e-6 * max(1.0, abs(a.sync_z))
                differences += not same
                verdict = "same" if same else f"DIFFERENT (reference: {a.payload!r} {a.attempts})"
                shown = b.payload.hex() if b.payload else "none"
                print(
                    f"{name:20s} {image.shape[0]:4d}x{image.shape[1]:<4d} sweep={sweep!s:5s} "
                    f"{shown:16s} attempts {b.attempts:2d} z {b.sync_z:6.2f}  {verdict}",
                    flush=True,
                )
    print(f"{len(pictures)} pictures, {differences} differences")
    print(f"CPU s: reference {cpu['reference']:.1f}, current {cpu['current']:.1f}")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
