"""What the engines that talk to other systems share: image bytes in and out, HTTP
errors turned into engine errors with retry advice, and a deadline.

The HTTP client is ``httpx2`` (the maintained fork of httpx with the same API, which the
project already uses; decision 0001), imported as ``httpx``.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import time
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import numpy as np
from PIL import Image, ImageOps

from likeness.engines._base import (
    U8,
    EngineCancelled,
    EngineError,
    EngineRefused,
    EngineUnavailable,
)
from likeness.imaging import DECODE_ERRORS

#: Largest image file an engine accepts or downloads (a 16-bit 8K PNG is about 200 MB).
MAX_IMAGE_BYTES = 64 * 1024 * 1024
#: Largest decoded image (pixels), under Pillow's own bomb limit.
MAX_IMAGE_PIXELS = 40_000_000


def image_kind(data: bytes) -> str | None:
    """``png``, ``jpeg`` or ``webp`` from the magic bytes (never the file name)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def decode_image(
    data: bytes,
    *,
    what: str,
    error: type[EngineError] = EngineError,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> U8:
    """Decode a PNG/JPEG/WebP file to sRGB uint8 (H, W, 3) pixels, EXIF orientation
    applied; nothing else of the file (text chunks, EXIF, XMP, ICC) survives.

    ``error`` is what a bad file raises: :class:`EngineError` for what a server sent
    back, :class:`EngineRefused` for what a brief brought."""
    if len(data) > max_bytes:
        raise error(f"{what} is {len(data)} bytes; the limit is {max_bytes} bytes")
    kind = image_kind(data)
    if kind is None:
        raise error(f"{what} is not a PNG, JPEG or WebP image (checked by content)")
    try:
        with warnings.catch_warnings(action="error", category=Image.DecompressionBombWarning):
            image = Image.open(io.BytesIO(data), formats=[kind.upper()])
            width, height = image.size
            if width * height > max_pixels:
                raise error(f"{what} is {width}x{height} pixels; the limit is {max_pixels} pixels")
            image.load()
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except DECODE_ERRORS as exc:
        raise error(f"{what} cannot be decoded as {kind.upper()}: {exc}") from None
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def encode_png(pixels: U8 | np.ndarray) -> bytes:
    """Pixels as a PNG file with no metadata (what the engines send out)."""
    array = np.asarray(pixels)
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()


def is_loopback(url: str) -> bool:
    """True when ``url`` names this machine: ``localhost`` itself or a literal loopback
    address (127.0.0.0/8, ``::1``). Other ``*.localhost`` names are not trusted to be
    here: a resolver may send them anywhere."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _public_address(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def check_public_https(
    url: str, service: str, resolve: Callable[[str], list[str]] = resolve_host
) -> None:
    """Refuse (:class:`EngineError`) a URL that is not ``https://`` or whose host is, or
    resolves to, an address that is not public (loopback, link-local such as
    169.254.169.254, private, reserved): a server's answer must not make us fetch from
    this machine or its network. The message never says what the host resolved to."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme != "https" or not host:
        raise EngineError(f"{service} returned an output URL that is not https://host/…")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        addresses = [host]
    except ValueError:
        if host.lower() == "localhost" or host.lower().endswith(".localhost"):
            addresses = []
        else:
            try:
                addresses = resolve(host)
            except (OSError, UnicodeError):
                raise EngineError(
                    f"{service} returned an output URL whose host cannot be resolved"
                ) from None
    if not addresses or not all(_public_address(a) for a in addresses):
        raise EngineError(
            f"{service} returned an output URL on a host that is not a public address; "
            "it is not fetched"
        )


def read_capped(response: httpx.Response, service: str, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """The body of a streamed ``response``, read only up to ``limit`` bytes: a larger
    one (by its Content-Length, or once more has arrived) is an :class:`EngineError`."""
    too_big = EngineError(f"{service} returned an image over the size limit ({limit} bytes)")
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def http_error(service: str, response: httpx.Response, detail: str = "") -> EngineError:
    """The engine error for an HTTP error status, with what to do about it."""
    status = response.status_code
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return EngineUnavailable(
            f"{service} refused the credentials (HTTP {status}){said}; check the configured "
            "API key: retrying will not help until it is fixed"
        )
    if status == 429:
        wait = response.headers.get("retry-after")
        advice = f"retry after {wait} s" if wait else "retry later, with back-off"
        return EngineUnavailable(f"{service} is rate-limiting us (HTTP 429){said}; {advice}")
    if status >= 500:
        return EngineUnavailable(
            f"{service} failed on its side (HTTP {status}){said}; retry later, with back-off"
        )
    if status in (400, 413, 422):
        return EngineRefused(f"{service} rejected the request (HTTP {status}){said}")
    return EngineError(f"{service} answered HTTP {status}{said}")


def transport_error(service: str, exc: httpx.HTTPError) -> EngineError:
    """The engine error for a request that never got an answer."""
    if isinstance(exc, httpx.TimeoutException):
        return EngineUnavailable(f"{service} did not answer in time ({exc}); retry later")
    return EngineUnavailable(f"{service} cannot be reached ({exc}); retry when it is up")


def request_json(
    client: httpx.Client,
    service: str,
    method: str,
    url: str,
    *,
    describe: Callable[[Any], str],
    asked: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Send one request and return its JSON object. No answer, an error status (with
    ``describe(body)``: the server's own words, if any) or a body that is not a JSON
    object is an engine error naming ``service`` (and ``asked``, what was asked of it)."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(service, exc) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        raise http_error(service, response, describe(body))
    if not isinstance(body, dict):
        what = f" {asked}" if asked else ""
        raise EngineError(f"{service} answered{what} with something not a JSON object")
    return body


class Deadline:
    """A wall-clock budget for one generation; ``check`` raises once it is spent."""

    def __init__(
        self, seconds: float, service: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._end = clock() + seconds
        self._seconds = seconds
        self._service = service

    def check(self, what: str) -> None:
        if self._clock() > self._end:
            raise EngineError(
                f"{self._service} did not finish {what} within {self._seconds:g} s; "
                "the job may be retried"
            )


def report(progress: Callable[[float, str], bool], fraction: float, message: str) -> None:
    """Report progress; a cancelled job stops here."""
    if not progress(min(1.0, max(0.0, fraction)), message):
        raise EngineCancelled(f"cancelled while {message}")


__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "Deadline",
    "check_public_https",
    "decode_image",
    "encode_png",
    "http_error",
    "image_kind",
    "is_loopback",
    "read_capped",
    "report",
    "resolve_host",
    "transport_error",
]
