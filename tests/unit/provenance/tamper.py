"""Byte-level edits of signed files that keep them well-formed (for tamper tests)."""

from __future__ import annotations

import struct
import zlib


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks.append((kind, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def build_png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )
    return out


def tamper_png_pixels(data: bytes) -> bytes:
    """Change pixel data and re-wrap it in valid IDAT chunks, manifest chunk untouched."""
    chunks = png_chunks(data)
    raw = bytearray(zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT")))
    width, height, depth, color = struct.unpack(">IIBB", dict(chunks)[b"IHDR"][:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    stride = 1 + width * channels * depth // 8  # each row starts with a filter-type byte
    raw[stride * (height // 2) + 1 + channels * (width // 2)] ^= 0x40
    tampered: list[tuple[bytes, bytes]] = []
    for kind, body in chunks:
        if kind == b"IDAT":
            if not any(k == b"IDAT" for k, _ in tampered):
                tampered.append((b"IDAT", zlib.compress(bytes(raw))))
            continue
        tampered.append((kind, body))
    return build_png(tampered)


def tamper_jpeg_scan(data: bytes) -> bytes:
    """Flip bits inside the entropy-coded scan, which changes decoded pixels."""
    start = data.rindex(b"\xff\xda")
    position = start + (len(data) - start) // 2
    out = bytearray(data)
    while out[position] in (0xFF, 0x00) or out[position - 1] == 0xFF:
        position += 1
    out[position] ^= 0x10
    return bytes(out)


def png_dimensions_header(width: int, height: int) -> bytes:
    """A PNG whose header claims huge dimensions, with a tiny (truncated) IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return build_png([(b"IHDR", ihdr), (b"IDAT", zlib.compress(b"\x00" * 64)), (b"IEND", b"")])
