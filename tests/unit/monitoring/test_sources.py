"""Sources: folders, fsspec prefixes and URL lists; every failure an Unfetchable."""

from __future__ import annotations

import os
from pathlib import Path

import fsspec
import pytest

from likeness.monitoring.errors import InvalidScanSource
from likeness.monitoring.findings import SourceImage, Unfetchable
from likeness.monitoring.sources import (
    FetchLimits,
    FolderSource,
    ImageSource,
    TokenBucket,
    UrlFetcher,
    image_kind,
    open_source,
    refetch,
)
from likeness.settings import Settings
from unit.monitoring.conftest import jpeg_bytes, png_bytes
from unit.monitoring.servers import FakeClock, LocalServer, Route

LOCAL = ("127.0.0.1/32",)


def local_limits(**overrides: object) -> FetchLimits:
    values: dict[str, object] = {
        "allowed_networks": LOCAL,
        "requests_per_host_per_second": 1000.0,
        "burst": 100,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
    }
    values.update(overrides)
    return FetchLimits(**values)  # type: ignore[arg-type]


def reasons(items: list[SourceImage | Unfetchable]) -> dict[str, str | None]:
    return {
        Path(i.location).name: (i.reason if isinstance(i, Unfetchable) else None) for i in items
    }


# --- folders ---------------------------------------------------------------------------


def test_a_folder_yields_images_by_signature_recursively(tmp_path: Path) -> None:
    root = tmp_path / "shots"
    (root / "deep" / "er").mkdir(parents=True)
    (root / "a.png").write_bytes(png_bytes())
    (root / "deep" / "er" / "b.dat").write_bytes(jpeg_bytes())  # no image name, image bytes
    (root / "deep" / "fake.jpg").write_bytes(b"<html>not a picture</html>")
    (root / "README.txt").write_text("notes")
    source = open_source(str(root), limits=FetchLimits())
    assert isinstance(source, ImageSource)
    items = list(source.images())
    assert reasons(items) == {"a.png": None, "b.dat": None, "fake.jpg": "not_an_image"}
    got = {Path(i.location).name: i for i in items if isinstance(i, SourceImage)}
    assert got["b.dat"].data == jpeg_bytes()
    assert got["b.dat"].content_type == "image/jpeg"
    assert source.description == f"folder {root} (4 files)"


def test_symlinks_are_followed_only_inside_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png_bytes())
    root = tmp_path / "shots"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "real.png").write_bytes(png_bytes(colour=(1, 2, 3)))
    os.symlink(outside / "secret.png", root / "escape.png")
    os.symlink(outside, root / "escape_dir")
    os.symlink(root / "sub" / "real.png", root / "alias.png")
    os.symlink(root, root / "sub" / "loop")  # back to the root: visited once
    items = list(FolderSource(root).images())
    assert reasons(items) == {
        "alias.png": None,
        "escape.png": "symlink.outside",
        "escape_dir": "symlink.outside",
        "real.png": None,
    }
    assert not any(isinstance(i, SourceImage) and b"secret" in i.location.encode() for i in items)


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "big.jpg").write_bytes(jpeg_bytes((400, 400)))
    (tmp_path / "small.png").write_bytes(png_bytes())
    items = list(open_source(str(tmp_path), limits=FetchLimits(max_bytes=2000)).images())
    assert reasons(items) == {"big.jpg": "too_large", "small.png": None}


def test_file_url_and_a_single_file(tmp_path: Path) -> None:
    (tmp_path / "one.png").write_bytes(png_bytes())
    assert reasons(list(open_source(f"file://{tmp_path}").images())) == {"one.png": None}
    single = open_source(str(tmp_path / "one.png"))
    assert [i.location for i in single.images()] == [str(tmp_path / "one.png")]


def test_bad_specs_raise_invalid_scan_source(tmp_path: Path) -> None:
    with pytest.raises(InvalidScanSource):
        open_source("   ")
    with pytest.raises(InvalidScanSource):
        open_source(str(tmp_path / "nowhere"))
    with pytest.raises(InvalidScanSource):
        open_source(f"urls:{tmp_path / 'missing.txt'}")
    with pytest.raises(InvalidScanSource):
        open_source("nosuchprotocol-xyz://bucket/prefix")


# --- fsspec ---------------------------------------------------------------------------


def test_an_fsspec_prefix_yields_its_image_objects() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/msrc-bucket/shots/a.png", png_bytes())
    fs.pipe("/msrc-bucket/shots/deep/b", jpeg_bytes())
    fs.pipe("/msrc-bucket/shots/notes.json", b"{}")
    fs.pipe("/msrc-bucket/shots/c.jpg", b"GIF? no: text")
    fs.pipe("/msrc-bucket/other/x.png", png_bytes())
    try:
        source = open_source("memory://msrc-bucket/shots", limits=FetchLimits())
        items = list(source.images())
        assert {i.location: getattr(i, "reason", None) for i in items} == {
            "memory:///msrc-bucket/shots/a.png": None,
            "memory:///msrc-bucket/shots/deep/b": None,
            "memory:///msrc-bucket/shots/c.jpg": "not_an_image",
        }
        assert source.description == "object store memory://msrc-bucket/shots (4 objects)"
        again = refetch("memory:///msrc-bucket/shots/a.png")
        assert isinstance(again, SourceImage) and again.data == png_bytes()
        fs.rm("/msrc-bucket/shots/a.png")
        gone = refetch("memory:///msrc-bucket/shots/a.png")
        assert isinstance(gone, Unfetchable) and gone.reason == "not_found"
    finally:
        fs.rm("/msrc-bucket", recursive=True)


def test_an_object_over_the_limit_is_refused_without_reading_it() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/msrc-big/x.jpg", jpeg_bytes((300, 300)))
    try:
        items = list(open_source("memory://msrc-big", limits=FetchLimits(max_bytes=1024)).images())
        assert [(type(i), getattr(i, "reason", None)) for i in items] == [
            (Unfetchable, "too_large")
        ]
    finally:
        fs.rm("/msrc-big", recursive=True)


# --- URLs -----------------------------------------------------------------------------


def test_a_url_list_fetches_each_url_and_reports_the_bad_ones(
    tmp_path: Path, server: LocalServer
) -> None:
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    listing = tmp_path / "list.txt"
    listing.write_text(
        "# found by the crawler\n"
        f"{server.url('/a.png')}\n\n"
        f"{server.url('/missing.png')}\n"
        "not a url\n"
        "ftp://example.org/x.png\n"
        "http://[::1/x.png\n"
    )
    for spec in (f"urls:{listing}", str(listing)):
        source = open_source(spec, limits=local_limits())
        assert source.description == f"URL list {listing} (5 URLs)"
        items = list(source.images())
        assert [getattr(i, "reason", None) for i in items] == [
            None,
            "http.404",
            "scheme",
            "scheme",
            "url.invalid",
        ]
        first = items[0]
        assert isinstance(first, SourceImage)
        assert first.data == png_bytes() and first.content_type == "image/png"
    assert all("Likeness" in agent for agent in server.user_agents)
    sent = dict(server.requests)
    assert sent["/a.png"]["Accept"] == "image/*"
    assert sent["/a.png"]["Accept-Encoding"] == "identity"  # the limit counts real bytes
    assert sent["/robots.txt"]["Accept"].startswith("text/plain")
    assert f"127.0.0.1:{server.port}" in server.host_headers


def test_loopback_is_refused_unless_allowed(server: LocalServer) -> None:
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    refused = UrlFetcher(FetchLimits()).fetch(server.url("/a.png"))
    assert isinstance(refused, Unfetchable) and refused.reason == "address.private"
    assert server.hits == {}  # nothing was sent, not even robots.txt
    by_name = UrlFetcher(FetchLimits()).fetch(server.url("/a.png", host="localhost"))
    assert isinstance(by_name, Unfetchable) and by_name.reason == "address.private"
    assert server.hits == {}
    assert isinstance(UrlFetcher(local_limits()).fetch(server.url("/a.png")), SourceImage)


def test_a_name_is_checked_after_dns_and_the_checked_address_is_used(server: LocalServer) -> None:
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    answers = {"pics.example": ["127.0.0.1"], "evil.example": ["93.184.216.34", "10.0.0.7"]}
    limits = local_limits(resolve=lambda host: answers[host])
    fetcher = UrlFetcher(limits)
    got = fetcher.fetch(f"http://pics.example:{server.port}/a.png")
    assert isinstance(got, SourceImage)
    assert server.host_headers[-1] == f"pics.example:{server.port}"
    evil = fetcher.fetch(f"http://evil.example:{server.port}/a.png")
    assert isinstance(evil, Unfetchable) and evil.reason == "address.private"
    assert "10.0.0.7" in evil.detail


def test_robots_txt_is_respected_and_read_once_per_host(server: LocalServer) -> None:
    server.routes["/robots.txt"] = Route(
        body=b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"}
    )
    for path in ("/a.png", "/b.png", "/private/c.png"):
        server.routes[path] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    fetcher = UrlFetcher(local_limits())
    results = [fetcher.fetch(server.url(p)) for p in ("/a.png", "/private/c.png", "/b.png")]
    assert [getattr(r, "reason", None) for r in results] == [None, "robots.disallowed", None]
    assert server.hits["/robots.txt"] == 1
    assert server.hits["/private/c.png"] == 0
    # Rules for Likeness by name bind it too; another agent's rules do not.
    server.routes["/robots.txt"] = Route(
        body=b"User-agent: LikenessMonitor\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )
    blocked = UrlFetcher(local_limits()).fetch(server.url("/a.png"))
    assert isinstance(blocked, Unfetchable) and blocked.reason == "robots.disallowed"
    ignoring = UrlFetcher(local_limits(respect_robots=False)).fetch(server.url("/a.png"))
    assert isinstance(ignoring, SourceImage)


def test_a_robots_txt_that_fails_keeps_the_fetcher_out(server: LocalServer) -> None:
    server.routes["/robots.txt"] = Route(status=503, body=b"down")
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    got = UrlFetcher(local_limits()).fetch(server.url("/a.png"))
    assert isinstance(got, Unfetchable) and got.reason == "robots.unavailable"
    assert server.hits["/a.png"] == 0


def test_at_most_n_requests_per_host_per_second(server: LocalServer) -> None:
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    clock = FakeClock()
    limits = local_limits(
        requests_per_host_per_second=2.0,
        burst=1,
        respect_robots=False,
        clock=clock,
        sleep=clock.sleep,
    )
    fetcher = UrlFetcher(limits)
    for _ in range(5):
        assert isinstance(fetcher.fetch(server.url("/a.png")), SourceImage)
    # The first goes at once; each later one waits for the next token: 0.5 s apart.
    assert clock.slept == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert clock.now == pytest.approx(1002.0)


def test_the_token_bucket_keeps_hosts_apart_and_refills() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1.0, burst=2, clock=clock, sleep=clock.sleep)
    assert [bucket.acquire("a") for _ in range(2)] == [0.0, 0.0]  # the burst
    assert bucket.acquire("b") == 0.0  # another host has its own tokens
    assert bucket.acquire("a") == pytest.approx(1.0)
    clock.now += 10  # idle: refills to the burst, no more
    assert [bucket.acquire("a") for _ in range(3)] == pytest.approx([0.0, 0.0, 1.0])


def test_the_size_limit_is_enforced_while_streaming(server: LocalServer) -> None:
    png = png_bytes()
    # No Content-Length at all: the body keeps coming; the fetcher stops reading.
    server.routes["/endless.png"] = Route(
        body=png + b"\0" * 65536, headers={"Content-Type": "image/png"}, chunked=True, repeat=200
    )
    server.routes["/declared.png"] = Route(
        body=b"\0" * 50_000, headers={"Content-Type": "image/png"}
    )
    server.routes["/fits.png"] = Route(body=png, headers={"Content-Type": "image/png"})
    fetcher = UrlFetcher(local_limits(max_bytes=40_000))
    endless = fetcher.fetch(server.url("/endless.png"))
    assert isinstance(endless, Unfetchable) and endless.reason == "too_large"
    declared = fetcher.fetch(server.url("/declared.png"))
    assert isinstance(declared, Unfetchable) and declared.reason == "too_large"
    assert isinstance(fetcher.fetch(server.url("/fits.png")), SourceImage)


def test_content_type_lies_are_caught(server: LocalServer) -> None:
    server.routes["/page.png"] = Route(body=png_bytes(), headers={"Content-Type": "text/html"})
    server.routes["/untyped.png"] = Route(body=png_bytes())
    server.routes["/html.jpg"] = Route(
        body=b"<html><body>hi</body></html>", headers={"Content-Type": "image/jpeg"}
    )
    server.routes["/swapped.jpg"] = Route(body=png_bytes(), headers={"Content-Type": "image/jpeg"})
    server.routes["/generic"] = Route(
        body=jpeg_bytes(), headers={"Content-Type": "image/x-unknown; q=1"}
    )
    fetcher = UrlFetcher(local_limits())
    got = {p: fetcher.fetch(server.url(p)) for p in server.routes}
    assert {p: getattr(r, "reason", None) for p, r in got.items()} == {
        "/page.png": "content_type",
        "/untyped.png": "content_type",
        "/html.jpg": "content_type.mismatch",
        "/swapped.jpg": "content_type.mismatch",
        "/generic": None,  # an image type the fetcher does not know: the bytes decide
    }


def test_redirects_are_limited_and_each_hop_is_checked(server: LocalServer) -> None:
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    server.routes["/to-a"] = Route(302, headers={"Location": "/a.png"})
    server.routes["/to-private"] = Route(302, headers={"Location": "http://10.20.30.40/x.png"})
    server.routes["/to-metadata"] = Route(
        301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    server.routes["/to-ftp"] = Route(302, headers={"Location": "ftp://127.0.0.1/x.png"})
    server.routes["/nowhere"] = Route(302)
    for i in range(5):
        server.routes[f"/hop{i}"] = Route(302, headers={"Location": f"/hop{i + 1}"})
    server.routes["/hop5"] = Route(302, headers={"Location": "/a.png"})
    fetcher = UrlFetcher(local_limits(max_redirects=3))
    got = {
        p: fetcher.fetch(server.url(p))
        for p in ("/to-a", "/to-private", "/to-metadata", "/to-ftp", "/nowhere", "/hop0")
    }
    assert {p: getattr(r, "reason", None) for p, r in got.items()} == {
        "/to-a": None,
        "/to-private": "address.private",
        "/to-metadata": "address.private",
        "/to-ftp": "scheme",
        "/nowhere": "redirect.invalid",
        "/hop0": "redirect.too_many",
    }
    assert got["/to-a"].location == server.url("/to-a")  # where it was found
    assert server.hits["/hop4"] == 0  # stopped after three redirects


def test_a_slow_server_times_out(server: LocalServer) -> None:
    server.routes["/slow.png"] = Route(
        body=png_bytes(), headers={"Content-Type": "image/png"}, delay=1.5
    )
    got = UrlFetcher(local_limits(read_timeout=0.3, respect_robots=False)).fetch(
        server.url("/slow.png")
    )
    assert isinstance(got, Unfetchable) and got.reason == "timeout"


def test_refetch_reads_a_url_and_a_path_again(tmp_path: Path, server: LocalServer) -> None:
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    again = refetch(server.url("/a.png"), limits=local_limits())
    assert isinstance(again, SourceImage) and again.data == png_bytes()
    server.routes.pop("/a.png")
    gone = refetch(server.url("/a.png"), limits=local_limits())
    assert isinstance(gone, Unfetchable) and gone.reason == "http.404"
    path = tmp_path / "x.png"
    path.write_bytes(png_bytes())
    assert isinstance(refetch(str(path)), SourceImage)
    path.unlink()
    missing = refetch(str(path))
    assert isinstance(missing, Unfetchable) and missing.reason == "not_found"


def test_limits_come_from_the_monitoring_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_MONITORING__SOURCES__MAX_BYTES", "123456")
    monkeypatch.setenv("LIKENESS_MONITORING__SOURCES__REQUESTS_PER_HOST_PER_SECOND", "0.5")
    monkeypatch.setenv("LIKENESS_MONITORING__SOURCES__ALLOWED_NETWORKS", '["127.0.0.1/32"]')
    limits = FetchLimits.from_settings(Settings())
    assert limits.max_bytes == 123456
    assert limits.requests_per_host_per_second == 0.5
    assert limits.allowed_networks == LOCAL
    assert limits.address_allowed("127.0.0.1")
    assert not limits.address_allowed("127.0.0.2")
    assert not limits.address_allowed("::ffff:10.0.0.1")
    assert FetchLimits().address_allowed("93.184.216.34")


def test_image_kind_reads_signatures_not_names() -> None:
    assert image_kind(png_bytes()[:16]) == "png"
    assert image_kind(jpeg_bytes()[:16]) == "jpeg"
    assert image_kind(b"RIFF\0\0\0\0WEBPVP8 ") == "webp"
    assert image_kind(b"GIF89a....") == "gif"
    assert image_kind(b"<html>") is None


def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    (tmp_path / "a.png").write_bytes(png_bytes())
    assert reasons(list(open_source(str(tmp_path)).images())) == {"a.png": None}
    again = refetch(str(fifo))  # would block forever if opened
    assert isinstance(again, Unfetchable) and again.reason == "read_error"


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (its own CA), as PEM files."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(
    tmp_path: Path, server: LocalServer
) -> None:
    import ssl

    import httpx2 as httpx

    cert, key = _certificate(tmp_path, "pics.example")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    server.wrap_tls(server_context)
    server.routes["/a.png"] = Route(body=png_bytes(), headers={"Content-Type": "image/png"})
    client_context = ssl.create_default_context(cafile=str(cert))
    answers = {"pics.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]}
    limits = local_limits(
        resolve=lambda host: answers[host],
        transport=httpx.HTTPTransport(verify=client_context),
    )
    fetcher = UrlFetcher(limits)
    got = fetcher.fetch(f"https://pics.example:{server.port}/a.png")
    assert isinstance(got, SourceImage) and got.data == png_bytes()
    # The same address under a name the certificate does not carry: TLS refuses it.
    wrong = fetcher.fetch(f"https://other.example:{server.port}/a.png")
    assert isinstance(wrong, Unfetchable) and wrong.reason == "connect"
