from __future__ import annotations

import io
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from likeness.provenance import (
    TRAINED_ALGORITHMIC_MEDIA,
    Report,
    StampConfig,
    VerifyConfig,
    stamp,
    verify,
)
from unit.provenance.fakes import make_image, make_info
from unit.provenance.tamper import png_dimensions_header

NO_HANG_SECONDS = 60


def finishes(function: Callable[[], Report]) -> Report:
    """Run ``function`` in a thread and fail (instead of hanging CI) if it never returns."""
    result: list[Report] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(NO_HANG_SECONDS)
    assert not worker.is_alive(), "verify hung"
    if errors:
        raise errors[0]
    return result[0]


@pytest.fixture(scope="module")
def signed_jpeg(stamp_config: StampConfig) -> bytes:
    return stamp(make_image("JPEG"), make_info(), stamp_config)


@pytest.fixture(scope="module")
def signed_png(stamp_config: StampConfig) -> bytes:
    return stamp(make_image("PNG"), make_info(), stamp_config)


def test_report_json_shape(signed_jpeg: bytes, verify_config: VerifyConfig) -> None:
    report = verify(signed_jpeg, verify_config)
    data = report.to_dict()
    assert data["c2pa"]["state"] == "Trusted"
    assert data["c2pa"]["manifest"]["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    assert data["c2pa"]["manifest"]["likeness"]["asset_id"] == make_info().asset_id
    assert data["xmp"]["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    assert data["watermark"] == {
        "checked": True,
        "found": True,
        "payload": make_info().watermark_payload.hex(),
        "confidence": data["watermark"]["confidence"],
        "matches_manifest": True,
        "reason": None,
    }
    assert data["label"]["present"] is True
    assert data["image"] == {"format": "jpeg", "width": 256, "height": 192}
    assert data["problems"] == []
    extended = replace(report, extensions={"registry": {"asset": "found"}}).to_dict()
    assert extended["registry"] == {"asset": "found"}


def test_unsigned_image_has_no_manifest_and_no_watermark(verify_config: VerifyConfig) -> None:
    report = verify(make_image("PNG"), verify_config)
    assert report.c2pa.state == "absent"
    assert report.c2pa.manifest is None
    assert not report.verified
    assert report.watermark.checked and report.watermark.found is False
    assert report.label.present is False


def test_without_a_watermarker_the_check_is_skipped_and_said_so(signed_jpeg: bytes) -> None:
    report = verify(signed_jpeg, VerifyConfig())
    assert report.watermark.checked is False
    assert report.watermark.reason == "no watermarker configured"
    assert report.c2pa.state == "Valid"  # no trust anchor configured: intact but untrusted


@dataclass(frozen=True)
class _Detection:
    found: bool
    payload: bytes | None
    confidence: float


class _Fixed:
    algorithm = "fixed"

    def __init__(self, detection: _Detection | Exception) -> None:
        self._detection = detection

    def embed(self, image: np.ndarray, payload: bytes, key: bytes) -> np.ndarray:
        return image

    def detect(self, image: np.ndarray, key: bytes) -> _Detection:
        if isinstance(self._detection, Exception):
            raise self._detection
        return self._detection


def test_watermark_payload_is_compared_with_the_manifest(
    signed_jpeg: bytes, verify_config: VerifyConfig
) -> None:
    other = replace(verify_config, watermarker=_Fixed(_Detection(True, b"\x01" * 8, 0.9)))
    report = verify(signed_jpeg, other)
    assert report.watermark.found and report.watermark.matches_manifest is False
    broken = replace(verify_config, watermarker=_Fixed(RuntimeError("bad pixels")))
    report = verify(signed_jpeg, broken)
    assert report.watermark.found is False
    assert report.watermark.reason == "detector failed: bad pixels"


def _corrupt_inside_manifest(data: bytes) -> bytes:
    out = bytearray(data)
    start = data.index(b"c2pa.claim")
    for offset in range(start + 40, start + 80):
        out[offset] ^= 0xA5
    return bytes(out)


def _broken_jumbf_length(data: bytes) -> bytes:
    out = bytearray(data)
    box = data.rindex(b"jumb", 0, data.index(b"c2pa.claim"))  # the claim's superbox
    out[box - 4 : box] = struct.pack(">I", 0xFFFFFFF0)
    return bytes(out)


def _png_with_huge_xmp() -> bytes:
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + "A" * (2 << 20) + "</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGB", (64, 64)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


HOSTILE: dict[str, Callable[[bytes, bytes], bytes]] = {
    "empty": lambda j, p: b"",
    "garbage": lambda j, p: os.urandom(4096),
    "jpeg magic then garbage": lambda j, p: b"\xff\xd8\xff\xe0" + os.urandom(4096),
    "riff webp header only": lambda j, p: b"RIFF\xff\xff\xff\x7fWEBPVP8X" + b"\x00" * 20,
    "truncated signed jpeg (half)": lambda j, p: j[: len(j) // 2],
    "truncated inside manifest": lambda j, p: j[: j.index(b"c2pa.claim") + 20],
    "truncated signed png": lambda j, p: p[: len(p) - 5000],
    "huge dimensions": lambda j, p: png_dimensions_header(100_000, 100_000),
    "over the pixel limit": lambda j, p: png_dimensions_header(9_000, 9_000),
    "malformed manifest bytes": lambda j, p: _corrupt_inside_manifest(j),
    "malformed jumbf length": lambda j, p: _broken_jumbf_length(j),
    "manifest box in png corrupted": lambda j, p: _corrupt_inside_manifest(p),
    "huge xmp packet": lambda j, p: _png_with_huge_xmp(),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_give_a_clear_result_without_crash_or_hang(
    name: str, signed_jpeg: bytes, signed_png: bytes, verify_config: VerifyConfig
) -> None:
    data = HOSTILE[name](signed_jpeg, signed_png)
    report = finishes(lambda: verify(data, verify_config))
    assert report.c2pa.state in ("absent", "Invalid")
    assert not report.verified
    # Something says why: a C2PA error, a decoding problem, or simply no manifest.
    assert report.c2pa.errors or report.problems or report.c2pa.state == "absent"
    assert isinstance(report.to_dict(), dict)


def test_specific_hostile_messages(signed_jpeg: bytes, verify_config: VerifyConfig) -> None:
    assert verify(b"", verify_config).problems == (
        "not a JPEG, PNG or WebP image (checked by content, not extension)",
    )
    huge = verify(png_dimensions_header(100_000, 100_000), verify_config)
    assert huge.problems == ("cannot read the PNG header: dimensions too large",)
    over = verify(png_dimensions_header(9_000, 9_000), verify_config)
    assert over.width == 9000 and "the limit is" in over.problems[0]
    malformed = verify(_corrupt_inside_manifest(signed_jpeg), verify_config)
    assert malformed.c2pa.state == "Invalid" and malformed.c2pa.errors


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_byte_damage_never_raises(
    data: st.DataObject, signed_png: bytes, verify_config: VerifyConfig
) -> None:
    damaged = bytearray(signed_png)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(8, len(damaged)))
    report = verify(bytes(damaged[:cut]), verify_config)
    assert report.c2pa.state in ("Trusted", "Valid", "Invalid", "absent")
