"""Where a scan's images come from: a folder, an object-store prefix or a list of URLs.

:func:`open_source` turns what a person typed into an :class:`ImageSource`; its
:meth:`~ImageSource.images` yields a :class:`~likeness.monitoring.findings.SourceImage`
per image or an :class:`~likeness.monitoring.findings.Unfetchable` saying why a location
gave none. ``images()`` never raises: every failure is an ``Unfetchable`` with a short
reason code. Only :func:`open_source` raises, for a spec no reader accepts
(:class:`~likeness.monitoring.errors.InvalidScanSource`).

Specs::

    /data/shots, file:///data/shots      a folder, recursively (or one file)
    memory://bucket/prefix, s3://b/p     any fsspec protocol that is installed
    urls:/path/list.txt, /path/list.txt  one http(s) URL per line ('#' comments)

Images are recognised by their first bytes (JPEG, PNG, WebP, GIF, BMP, TIFF), never by
their name. A folder's symbolic links are followed only where they stay inside it.

Fetching URLs (:class:`UrlFetcher`) is careful because the URLs are someone else's:

- every address a host name resolves to must be public (private, loopback, link-local,
  multicast and reserved addresses are refused, ``address.private``) unless
  :attr:`FetchLimits.allowed_networks` names it; the connection then goes to the
  address that was checked (the host name travels in ``Host`` and TLS SNI), so a second
  DNS answer cannot swap in another (DNS rebinding);
- redirects are followed by hand, at most :attr:`FetchLimits.max_redirects`, each hop
  checked like the first (scheme, address, robots, rate);
- ``robots.txt`` is read once per origin (RFC 9309: a 4xx means no rules, an error or
  5xx means keep out) and obeyed for the ``User-Agent`` that names Likeness;
- at most :attr:`FetchLimits.requests_per_host_per_second` requests go to one host (a
  token bucket per host; the clock is injectable for tests);
- connect, read and total timeouts; the size limit is counted while the body streams
  in (``Content-Length`` is only an early refusal, never trusted);
- the declared ``Content-Type`` must be ``image/*`` and the bytes' signature must agree.

Reason codes: ``url.invalid``, ``scheme``, ``dns``, ``address.private``,
``robots.disallowed``, ``robots.unavailable``, ``connect``, ``timeout``, ``http.<status>``,
``redirect.too_many``, ``redirect.invalid``, ``too_large``, ``content_type``,
``content_type.mismatch``, ``not_an_image``, ``empty``, ``read_error``, ``not_found``,
``symlink.outside``, ``list_failed``.

A crawler plugs in by implementing :class:`ImageSource` (``images()`` and
``description``); it may use :class:`UrlFetcher` for each page's images.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from likeness.monitoring.errors import InvalidScanSource
from likeness.monitoring.findings import SourceImage, Unfetchable

if TYPE_CHECKING:
    import httpx2 as httpx

    from likeness.settings import Settings

__all__ = [
    "FetchLimits",
    "FolderSource",
    "FsspecSource",
    "ImageSource",
    "TokenBucket",
    "UrlFetcher",
    "UrlListSource",
    "image_kind",
    "open_source",
    "refetch",
]

# --- image signatures ------------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
#: Bytes enough to tell an image's kind from its start.
SIGNATURE_BYTES = 16
#: Declared subtypes that name the same kind as a signature.
_SUBTYPES = {
    "jpeg": "jpeg",
    "jpg": "jpeg",
    "pjpeg": "jpeg",
    "png": "png",
    "apng": "png",
    "x-png": "png",
    "gif": "gif",
    "webp": "webp",
    "bmp": "bmp",
    "x-bmp": "bmp",
    "x-ms-bmp": "bmp",
    "tiff": "tiff",
    "tif": "tiff",
}
#: File names that promise an image: such a file that is none is reported, not skipped.
_IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".apng", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
)


def image_kind(head: bytes) -> str | None:
    """The image kind (``jpeg``, ``png``, ``webp``, ``gif``, ``bmp``, ``tiff``) the first
    bytes announce, or ``None``: the name of a file is never trusted."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def _now() -> datetime:
    return datetime.now(UTC)


# --- limits ---------------------------------------------------------------------------


def _default_resolve(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class FetchLimits:
    """How sources fetch: sizes, timeouts, redirects, rate, robots and which addresses.

    ``clock``/``sleep`` drive the per-host rate limit (tests pass a fake clock whose
    ``sleep`` advances it); ``resolve`` maps a host name to its addresses (tests may
    make a name resolve to a private address); ``transport`` replaces httpx's network
    transport (tests only)."""

    max_bytes: int = 25 * 1024**2
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_redirects: int = 3
    requests_per_host_per_second: float = 1.0
    burst: int = 1
    allowed_networks: tuple[str, ...] = ()
    respect_robots: bool = True
    user_agent: str = "LikenessMonitor/1.0 (+https://likeness.invalid/monitoring)"
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    resolve: Callable[[str], list[str]] = field(default=_default_resolve, compare=False, repr=False)
    transport: httpx.BaseTransport | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        if self.requests_per_host_per_second <= 0:
            raise ValueError("requests_per_host_per_second must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        for network in self.allowed_networks:
            ipaddress.ip_network(network, strict=False)  # ValueError for a bad one

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FetchLimits:
        """The limits ``LIKENESS_MONITORING__SOURCES__*`` set."""
        if settings is None:
            from likeness.settings import Settings

            settings = Settings()
        conf = settings.monitoring.sources
        return cls(
            max_bytes=conf.max_bytes,
            connect_timeout=conf.connect_timeout_seconds,
            read_timeout=conf.read_timeout_seconds,
            total_timeout=conf.total_timeout_seconds,
            max_redirects=conf.max_redirects,
            requests_per_host_per_second=conf.requests_per_host_per_second,
            burst=conf.burst,
            allowed_networks=tuple(conf.allowed_networks),
            respect_robots=conf.respect_robots,
            user_agent=conf.user_agent,
        )

    def address_allowed(self, address: str) -> bool:
        """Whether ``address`` may be fetched: public, or inside an allowed network."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        for network in self.allowed_networks:
            net = ipaddress.ip_network(network, strict=False)
            if ip.version == net.version and ip in net:
                return True
        return ip.is_global and not (ip.is_multicast or ip.is_reserved)


class TokenBucket:
    """At most ``rate`` requests per second per key, ``burst`` at once: :meth:`acquire`
    waits (with the injected ``sleep``) until the key has a token."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one token for ``key``, waiting as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                tokens, last = self._state.get(key, (float(self.burst), now))
                tokens = min(float(self.burst), tokens + (now - last) * self.rate)
                if tokens >= 1.0:
                    self._state[key] = (tokens - 1.0, now)
                    return waited
                self._state[key] = (tokens, now)
                delay = (1.0 - tokens) / self.rate
            self._sleep(delay)
            waited += delay


# --- the protocol -----------------------------------------------------------------------


@runtime_checkable
class ImageSource(Protocol):
    """Anything that yields images for a scan (a crawler too). ``images()`` never raises:
    a location that gives no image is an :class:`Unfetchable`."""

    description: str

    def images(self) -> Iterator[SourceImage | Unfetchable]: ...


def _unfetchable(location: str, reason: str, detail: str) -> Unfetchable:
    return Unfetchable(location=location, reason=reason, detail=detail, fetched_at=_now())


def _too_large(location: str, limit: int) -> Unfetchable:
    return _unfetchable(location, "too_large", f"more than the limit of {limit} bytes")


def _checked_image(
    location: str, data: bytes, content_type: str | None, *, named_image: bool = True
) -> SourceImage | Unfetchable | None:
    """``data`` as a :class:`SourceImage` when its signature is an image's; an
    ``Unfetchable`` for one that promised an image; ``None`` to skip it quietly."""
    if not data:
        return _unfetchable(location, "empty", "the file is empty") if named_image else None
    kind = image_kind(data[:SIGNATURE_BYTES])
    if kind is None:
        if not named_image:
            return None
        return _unfetchable(
            location, "not_an_image", "the bytes are not a JPEG, PNG, WebP, GIF, BMP or TIFF"
        )
    return SourceImage(
        location=location,
        data=data,
        fetched_at=_now(),
        content_type=content_type or f"image/{kind}",
    )


# --- folders --------------------------------------------------------------------------


class FolderSource:
    """Every image file under ``root`` (recursively, in name order), told by signature.

    A symbolic link is followed only when its target lies inside ``root`` (an
    ``Unfetchable`` ``symlink.outside`` otherwise); a directory is visited once however
    many links lead to it. A file whose name promises an image but whose bytes do not
    is reported (``not_an_image``); other files are skipped."""

    def __init__(self, root: Path, limits: FetchLimits | None = None) -> None:
        self.root = root
        self.limits = limits or FetchLimits()
        self._real_root = Path(os.path.realpath(root))
        self.description = self._describe(sum(1 for _ in self._walk()))

    def _describe(self, count: int) -> str:
        return f"folder {self.root} ({count} {'file' if count == 1 else 'files'})"

    def _inside(self, path: str) -> bool:
        real = Path(os.path.realpath(path))
        return real == self._real_root or self._real_root in real.parents

    def _walk(self) -> Iterator[tuple[str, str | None]]:
        """(path, problem) for each file, in a stable order: problem is a reason code."""
        if self._real_root.is_file():
            yield str(self.root), None
            return
        seen: set[str] = set()
        pending = [str(self.root)]
        while pending:
            directory = pending.pop()
            real = os.path.realpath(directory)
            if real in seen:
                continue
            seen.add(real)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                yield directory, "read_error"
                continue
            subdirs: list[str] = []
            for entry in entries:
                try:
                    if entry.is_symlink() and not self._inside(entry.path):
                        yield entry.path, "symlink.outside"
                        continue
                    if entry.is_dir(follow_symlinks=True):
                        subdirs.append(entry.path)
                    elif entry.is_file(follow_symlinks=True):
                        yield entry.path, None
                except OSError:
                    yield entry.path, "read_error"
            pending.extend(reversed(subdirs))

    def images(self) -> Iterator[SourceImage | Unfetchable]:
        try:
            walked = list(self._walk())
        except OSError as exc:  # pragma: no cover - a root vanishing mid-walk
            yield _unfetchable(str(self.root), "list_failed", f"cannot list the folder: {exc}")
            return
        self.description = self._describe(len(walked))
        for path, problem in walked:
            if problem == "symlink.outside":
                yield _unfetchable(
                    path, problem, "a symbolic link that leads outside the scanned folder"
                )
            elif problem is not None:
                yield _unfetchable(path, problem, "the file or folder cannot be read")
            else:
                item = read_file(path, self.limits)
                if item is not None:
                    yield item


def read_file(path: str, limits: FetchLimits) -> SourceImage | Unfetchable | None:
    """One local file as a source image (``None``: not an image and not named like one)."""
    named = Path(path).suffix.lower() in _IMAGE_SUFFIXES
    try:
        # A FIFO or device would block or never end: only regular files are opened.
        if not stat.S_ISREG(os.stat(path).st_mode):
            return _unfetchable(path, "read_error", "not a regular file")
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            head = handle.read(SIGNATURE_BYTES)
            if image_kind(head) is None:
                return _checked_image(path, head, None, named_image=named)
            if info.st_size > limits.max_bytes:
                return _too_large(path, limits.max_bytes)
            data = head + handle.read(limits.max_bytes + 1 - len(head))
    except FileNotFoundError:
        return _unfetchable(path, "not_found", "no such file")
    except OSError as exc:
        return _unfetchable(path, "read_error", f"cannot read the file: {exc.strerror or exc}")
    if len(data) > limits.max_bytes:
        return _too_large(path, limits.max_bytes)
    return _checked_image(path, data, None, named_image=named)


# --- fsspec ---------------------------------------------------------------------------


class FsspecSource:
    """Every image object under an fsspec URL prefix (``s3://bucket/prefix``,
    ``memory://…``, ``gcs://…``: whatever protocol is installed), in key order."""

    def __init__(self, url: str, limits: FetchLimits | None = None) -> None:
        import fsspec

        self.url = url
        self.limits = limits or FetchLimits()
        try:
            self._fs, self._path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise InvalidScanSource(f"cannot open {url}: {exc}") from None
        #: The object count is added once :meth:`images` has listed the prefix.
        self.description = f"object store {url}"

    def _listing(self) -> list[tuple[str, int | None]]:
        found = self._fs.find(self._path, detail=True)
        out: list[tuple[str, int | None]] = []
        for name, info in sorted(found.items()):
            if info.get("type", "file") != "file":
                continue
            size = info.get("size")
            out.append((str(name), int(size) if isinstance(size, int) else None))
        return out

    def _location(self, name: str) -> str:
        return str(self._fs.unstrip_protocol(name))

    def images(self) -> Iterator[SourceImage | Unfetchable]:
        try:
            listing = self._listing()
        except Exception as exc:  # any backend's error: a listing that failed
            yield _unfetchable(self.url, "list_failed", f"cannot list {self.url}: {exc}")
            return
        count = len(listing)
        self.description = f"object store {self.url} ({count} object{'' if count == 1 else 's'})"
        for name, size in listing:
            item = read_object(self._fs, name, size, self._location(name), self.limits)
            if item is not None:
                yield item


def read_object(
    fs: object, name: str, size: int | None, location: str, limits: FetchLimits
) -> SourceImage | Unfetchable | None:
    """One object of an fsspec filesystem, its size capped while reading (``None``: not
    an image and not named like one)."""
    if size is not None and size > limits.max_bytes:
        return _too_large(location, limits.max_bytes)
    try:
        with fs.open(name, "rb") as handle:  # type: ignore[attr-defined]
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        return _unfetchable(location, "not_found", "no such object")
    except Exception as exc:  # any backend's error
        return _unfetchable(location, "read_error", f"cannot read the object: {exc}")
    if len(data) > limits.max_bytes:
        return _too_large(location, limits.max_bytes)
    named = Path(name).suffix.lower() in _IMAGE_SUFFIXES
    return _checked_image(location, bytes(data), None, named_image=named)


# --- URLs -----------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), "", "", ""))


def _declared_kind(content_type: str | None) -> tuple[bool, str | None]:
    """(whether the declared type is ``image/*``, the kind its subtype names if known)."""
    if not content_type:
        return False, None
    mime = content_type.split(";", 1)[0].strip().lower()
    major, _, minor = mime.partition("/")
    if major != "image":
        return False, None
    return True, _SUBTYPES.get(minor)


class UrlFetcher:
    """Fetches http(s) URLs within :class:`FetchLimits`; remembers each origin's
    ``robots.txt`` and each host's rate. One fetcher per scan (it is thread-safe)."""

    #: robots.txt files larger than this are read only this far (RFC 9309: ≥ 500 KiB).
    ROBOTS_MAX_BYTES = 512 * 1024

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._bucket = TokenBucket(
            self.limits.requests_per_host_per_second,
            self.limits.burst,
            clock=self.limits.clock,
            sleep=self.limits.sleep,
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()
        self._client: httpx.Client | None = None

    # the client -------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            import httpx2 as httpx

            limits = self.limits
            self._client = httpx.Client(
                timeout=httpx.Timeout(
                    limits.read_timeout, connect=limits.connect_timeout, pool=limits.connect_timeout
                ),
                follow_redirects=False,
                trust_env=False,
                transport=limits.transport,
                headers={"User-Agent": limits.user_agent},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> UrlFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # one request --------------------------------------------------------------------

    @staticmethod
    def _parse(url: str) -> tuple[SplitResult, str, int | None]:
        """(the URL's parts, its host, its port); :class:`_Refused` for one not fetched."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise _Refused("url.invalid", f"not a valid URL: {url!r}") from None
        if parts.scheme not in ("http", "https"):
            raise _Refused("scheme", f"only http and https are fetched, not {parts.scheme!r}")
        host = parts.hostname
        if not host or parts.username or parts.password:
            raise _Refused("url.invalid", "the URL names no host, or carries credentials")
        return parts, host, port

    def _target(self, url: str) -> tuple[str, str, str]:
        """(url with the checked address for the host, Host header value, host name)."""
        parts, host, port = self._parse(url)
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            addresses = [host]
        except ValueError:
            try:
                addresses = self.limits.resolve(host)
            except (OSError, UnicodeError) as exc:
                raise _Refused("dns", f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise _Refused("dns", f"{host} resolves to no address")
        refused = [a for a in addresses if not self.limits.address_allowed(a)]
        if refused:
            raise _Refused(
                "address.private",
                f"{host} resolves to {refused[0]}, a private or reserved address",
            )
        address = addresses[0]
        shown = f"[{address}]" if ":" in address else address
        netloc = shown if port is None else f"{shown}:{port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = parts.netloc.rsplit("@", 1)[-1]
        return pinned, host_header, host

    def _request(self, url: str, accept: str = "image/*") -> tuple[httpx.Response, float]:
        """Send GET ``url`` to its checked address, rate-limited; the response streams."""
        pinned, host_header, host = self._target(url)
        self._bucket.acquire(host.lower())
        client = self._http()
        request = client.build_request(
            "GET",
            pinned,
            # identity: the size limit counts what arrives, and no gzip bomb expands it.
            headers={"Host": host_header, "Accept": accept, "Accept-Encoding": "identity"},
            extensions={"sni_hostname": host},
        )
        started = time.monotonic()
        return client.send(request, stream=True), started

    def _body(self, response: httpx.Response, started: float, limit: int) -> bytes | None:
        """The body, at most ``limit`` bytes (``None`` past it), within the total timeout."""
        import httpx2 as httpx

        deadline = started + self.limits.total_timeout
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the total time limit ran out", request=response.request)
        return b"".join(chunks)

    # robots --------------------------------------------------------------------------

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        """The parsed robots.txt of ``url``'s origin (cached), ``None`` when it has no
        rules; raises :class:`_Refused` when it could not be read (keep out)."""
        origin = _origin(url)
        with self._robots_lock:
            if origin in self._robots:
                return self._robots[origin]
        parser = self._read_robots(origin)
        with self._robots_lock:
            self._robots[origin] = parser
        return parser

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        import httpx2 as httpx

        robots_url = origin + "/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        hops = 0
        url = robots_url
        while True:
            try:
                response, started = self._request(url, accept="text/plain, */*")
                try:
                    if response.is_redirect and hops < 5:
                        location = response.headers.get("location", "")
                        hops += 1
                        url = urljoin(url, location)
                        continue
                    status = response.status_code
                    if 400 <= status < 500:
                        parser.parse([])  # RFC 9309 §2.3.1.3: unavailable, no rules
                        return None
                    if status >= 300:
                        raise _Refused(
                            "robots.unavailable", f"{robots_url} answered {status}: keeping out"
                        )
                    body = self._body(response, started, self.ROBOTS_MAX_BYTES * 4) or b""
                finally:
                    response.close()
            except httpx.HTTPError as exc:
                raise _Refused(
                    "robots.unavailable", f"{robots_url} could not be read ({exc}): keeping out"
                ) from None
            text = body[: self.ROBOTS_MAX_BYTES].decode("utf-8", "replace")
            parser.parse(text.splitlines())
            parser.modified()
            return parser

    def _check_robots(self, url: str) -> None:
        if not self.limits.respect_robots:
            return
        parser = self._robots_for(url)
        if parser is not None and not parser.can_fetch(self.limits.user_agent, url):
            raise _Refused("robots.disallowed", "robots.txt asks robots like Likeness to keep out")

    # the fetch ------------------------------------------------------------------------

    def fetch(self, url: str) -> SourceImage | Unfetchable:
        """One image from ``url``; never raises."""
        import httpx2 as httpx

        current = url
        try:
            for hop in range(self.limits.max_redirects + 1):
                self._parse(current)
                self._check_robots(current)
                response, started = self._request(current)
                try:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise _Refused("redirect.invalid", "a redirect without a Location")
                        if hop == self.limits.max_redirects:
                            raise _Refused(
                                "redirect.too_many",
                                f"more than {self.limits.max_redirects} redirects",
                            )
                        current = urljoin(current, location)
                        continue
                    return self._image(url, response, started)
                finally:
                    response.close()
        except _Refused as exc:
            return _unfetchable(url, exc.reason, exc.detail)
        except httpx.TimeoutException as exc:
            return _unfetchable(url, "timeout", f"timed out: {exc or type(exc).__name__}")
        except httpx.HTTPError as exc:
            return _unfetchable(url, "connect", f"the request failed: {exc or type(exc).__name__}")
        except Exception as exc:  # the last guard: images() must never raise
            return _unfetchable(url, "connect", f"the request failed: {type(exc).__name__}: {exc}")
        return _unfetchable(url, "redirect.too_many", "too many redirects")  # pragma: no cover

    def _image(
        self, url: str, response: httpx.Response, started: float
    ) -> SourceImage | Unfetchable:
        status = response.status_code
        if status != 200:
            return _unfetchable(url, f"http.{status}", f"the server answered {status}")
        declared = response.headers.get("content-type")
        is_image, kind = _declared_kind(declared)
        if not is_image:
            return _unfetchable(
                url, "content_type", f"the server says {declared or 'nothing'}, not an image"
            )
        length = response.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limits.max_bytes:
            return _too_large(url, self.limits.max_bytes)
        data = self._body(response, started, self.limits.max_bytes)
        if data is None:
            return _too_large(url, self.limits.max_bytes)
        actual = image_kind(data[:SIGNATURE_BYTES])
        if actual is None or (kind is not None and kind != actual):
            return _unfetchable(
                url,
                "content_type.mismatch",
                f"declared {declared}, but the bytes are "
                + (f"a {actual.upper()} image" if actual else "no image"),
            )
        return SourceImage(location=url, data=data, fetched_at=_now(), content_type=declared)


class UrlListSource:
    """The URLs of a list (one per line; blank lines and ``#`` comments skipped), fetched
    in order with one :class:`UrlFetcher`."""

    def __init__(self, urls: list[str], name: str, limits: FetchLimits | None = None) -> None:
        self.urls = urls
        self.name = name
        self.limits = limits or FetchLimits()
        noun = "URL" if len(urls) == 1 else "URLs"
        self.description = f"URL list {name} ({len(urls)} {noun})"

    @classmethod
    def from_file(cls, path: Path, limits: FetchLimits | None = None) -> UrlListSource:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidScanSource(f"cannot read the URL list {path}: {exc}") from None
        urls = [s for s in (line.strip() for line in text.splitlines()) if s and s[0] != "#"]
        return cls(urls, str(path), limits)

    def images(self) -> Iterator[SourceImage | Unfetchable]:
        with UrlFetcher(self.limits) as fetcher:
            for url in self.urls:
                yield fetcher.fetch(url)


# --- opening a source ---------------------------------------------------------------------


def _is_url_list(path: Path) -> bool:
    return path.suffix.lower() == ".txt" and path.is_file()


def open_source(spec: str, *, limits: FetchLimits | None = None) -> ImageSource:
    """The source ``spec`` names (see the module docstring); raises
    :class:`InvalidScanSource` for one no reader accepts."""
    text = spec.strip()
    if not text:
        raise InvalidScanSource("the source is empty")
    limits = limits or FetchLimits.from_settings()
    if text.startswith("urls:"):
        return UrlListSource.from_file(Path(text[5:]).expanduser(), limits)
    if text.startswith(("http://", "https://")):
        return UrlListSource([text], text, limits)
    if text.startswith("file://"):
        path = Path(urlsplit(text).path)
    elif "://" in text:
        return FsspecSource(text, limits)
    else:
        path = Path(text).expanduser()
    if _is_url_list(path):
        return UrlListSource.from_file(path, limits)
    if path.is_dir() or path.is_file():
        return FolderSource(path, limits)
    raise InvalidScanSource(
        f"{spec!r} is neither a folder, a file, a URL list nor an object-store URL"
    )


def refetch(location: str, *, limits: FetchLimits | None = None) -> SourceImage | Unfetchable:
    """The image at ``location`` now (a path, an fsspec URL or an http(s) URL), to check
    that it is still there; never raises."""
    limits = limits or FetchLimits.from_settings()
    try:
        if location.startswith(("http://", "https://")):
            with UrlFetcher(limits) as fetcher:
                return fetcher.fetch(location)
        if "://" in location and not location.startswith("file://"):
            import fsspec

            fs, path = fsspec.core.url_to_fs(location)
            try:
                info = fs.info(path)
            except FileNotFoundError:
                return _unfetchable(location, "not_found", "no such object")
            size = info.get("size")
            found = read_object(fs, path, size if isinstance(size, int) else None, location, limits)
            return found or _unfetchable(location, "not_an_image", "the object is not an image")
        path_text = urlsplit(location).path if location.startswith("file://") else location
        item = read_file(path_text, limits)
        if item is None:
            return _unfetchable(location, "not_an_image", "the file is not an image")
        return item
    except Exception as exc:  # never raises: a recheck that failed says why
        return _unfetchable(location, "read_error", f"{type(exc).__name__}: {exc}")
