"""Likeness's own PNG writer (``provenance._png``): what any decoder reads back, the
chunks it writes, and the one zlib stream its parallel parts make."""

from __future__ import annotations

import io
import os
import select
import signal
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from likeness.provenance import PNG_COMPRESS_LEVEL, encode_png, parse_xmp
from likeness.provenance._png import PNG_STRATEGY, deflate, up_filtered


def _pixels(height: int = 61, width: int = 47, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 4, y * 3, (x + y) * 2], axis=-1) % 256
    noise = rng.integers(-6, 7, size=(height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, each one's CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        found.append((kind, body))
        offset += 12 + length
    return found


def test_pillow_reads_back_the_exact_pixels() -> None:
    pixels = _pixels()
    with Image.open(io.BytesIO(encode_png(pixels))) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (47, 61))
        assert np.array_equal(np.asarray(image), pixels)


def test_alpha_becomes_a_fourth_channel_and_the_profile_an_iccp_chunk() -> None:
    pixels = _pixels()
    alpha = np.arange(61 * 47, dtype=np.uint32).reshape(61, 47).astype(np.uint8)
    profile = b"not really a profile, but bytes to keep" * 3
    data = encode_png(pixels, alpha=alpha, icc_profile=profile)
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "RGBA"
        assert image.info["icc_profile"] == profile
        rgba = np.asarray(image)
    assert np.array_equal(rgba[:, :, :3], pixels) and np.array_equal(rgba[:, :, 3], alpha)


def test_the_xmp_is_the_itxt_chunk_readers_look_for_before_the_pixels() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    )
    data = encode_png(_pixels(), xmp=xmp)
    kinds = [kind for kind, _ in _chunks(data)]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert kinds.index(b"iTXt") < kinds.index(b"IDAT")
    with Image.open(io.BytesIO(data)) as image:
        assert image.info["XML:com.adobe.xmp"].encode() == xmp
    assert parse_xmp(xmp) == parse_xmp(image.info["xmp"])


def test_every_row_is_up_filtered_and_deflated_fast_with_runs() -> None:
    # The choices that make the writer fast: one filter for every row (no per-row
    # search) and zlib's fastest class with the run-length strategy.
    pixels = _pixels()
    data = encode_png(pixels)
    stream = b"".join(body for kind, body in _chunks(data) if kind == b"IDAT")
    assert stream[1] >> 6 == 0  # FLEVEL: the fastest class
    rows = np.frombuffer(zlib.decompress(stream), np.uint8).reshape(61, 1 + 47 * 3)
    assert set(rows[:, 0].tolist()) == {2}  # filter type 2: "Up", on every row
    assert (PNG_COMPRESS_LEVEL, PNG_STRATEGY) == (1, zlib.Z_RLE)


def test_up_filter_is_each_byte_less_the_one_above() -> None:
    pixels = _pixels(5, 4)
    lines = up_filtered(pixels).astype(np.int16)
    flat = pixels.reshape(5, -1).astype(np.int16)
    assert np.array_equal(lines[0, 1:], flat[0])
    assert np.array_equal(lines[1:, 1:], (flat[1:] - flat[:-1]) % 256)


@pytest.mark.parametrize("parts", [1, 2, 3, 4])
def test_parts_deflated_apart_make_one_zlib_stream(parts: int) -> None:
    data = np.random.default_rng(parts).integers(0, 4, size=300_001, dtype=np.uint8).tobytes()
    stream = deflate(data, parts=parts)
    assert zlib.decompress(stream) == data
    assert stream[:2] == zlib.compress(b"", PNG_COMPRESS_LEVEL)[:2]


def test_a_large_image_is_deflated_in_parts_and_decodes_the_same() -> None:
    pixels = np.tile(_pixels(), (12, 12, 1))  # 732×564: above the parallel threshold
    with Image.open(io.BytesIO(encode_png(pixels))) as image:
        assert np.array_equal(np.asarray(image), pixels)


@pytest.mark.parametrize(
    ("rgb", "alpha"),
    [
        (np.zeros((4, 4), np.uint8), None),
        (np.zeros((4, 4, 4), np.uint8), None),
        (np.zeros((4, 4, 3), np.float32), None),
        (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5), np.uint8)),
        (np.zeros((0, 4, 3), np.uint8), None),
    ],
)
def test_anything_but_rgb8_pixels_is_refused(rgb: np.ndarray, alpha: np.ndarray | None) -> None:
    with pytest.raises(ValueError):
        encode_png(rgb, alpha=alpha)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_encodes_in_parts_with_its_own_threads() -> None:
    # The parent's pool exists (its threads do not survive a fork): the child must not
    # hand its parts to it and wait for ever.
    pixels = np.tile(_pixels(), (12, 12, 1))
    encode_png(pixels)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the PNG decodes to its pixels
        code = 1
        try:
            with Image.open(io.BytesIO(encode_png(pixels))) as image:
                code = 0 if np.array_equal(np.asarray(image), pixels) else 1
        finally:
            os.write(write, bytes([code]))
            os._exit(code)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 60)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert ready, "the forked child hung encoding a PNG"
    assert os.read(read, 1) == b"\0"
