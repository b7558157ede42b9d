"""The verdict of a verification: a Likeness release, a preview, someone else's Content
Credentials, a remote manifest that was not fetched, invalid, or nothing at all."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from likeness.provenance import Report, StampConfig, VerifyConfig, stamp, verify
from likeness.provenance._verify import VERDICTS
from likeness.provenance.keys import SigningMaterial
from unit.provenance.c2pa_fixtures import (
    REMOTE_URL,
    camera_manifest,
    likeness_manifest,
    sign_manifest,
)
from unit.provenance.fakes import make_image, make_info

FORMATS = [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]


def _json(report: Report) -> dict[str, object]:
    data: dict[str, object] = json.loads(json.dumps(report.to_dict()))
    return data


def test_a_likeness_release_is_the_only_verified_verdict(
    stamp_config: StampConfig, verify_config: VerifyConfig
) -> None:
    report = verify(stamp(make_image("JPEG"), make_info(), stamp_config), verify_config)
    assert (report.verdict, report.asset_kind, report.verified) == (
        "likeness_release",
        "release",  # an assertion written without asset_kind is a release
        True,
    )
    assert report.headline.startswith("LIKENESS RELEASE")
    data = _json(report)
    assert (data["verdict"], data["verified"], data["asset_kind"]) == (
        "likeness_release",
        True,
        "release",
    )
    untrusted = verify(stamp(make_image("JPEG"), make_info(), stamp_config), VerifyConfig())
    # Anyone can sign a Likeness-looking claim with a certificate of their own.
    assert untrusted.verdict == "likeness_unconfirmed" and untrusted.c2pa.state == "Valid"
    assert not untrusted.verified and untrusted.c2pa_intact
    assert untrusted.headline.startswith("UNCONFIRMED") and "trust list" in untrusted.headline


@pytest.mark.parametrize(("fmt", "mime"), FORMATS)
def test_valid_credentials_of_another_maker_are_not_a_likeness_release(
    fmt: str, mime: str, signing: SigningMaterial, verify_config: VerifyConfig
) -> None:
    signed, _ = sign_manifest(make_image(fmt), camera_manifest(mime), signing)
    report = verify(signed, verify_config)
    assert report.c2pa.state == "Trusted" and report.c2pa_intact  # valid C2PA …
    assert report.c2pa.manifest is not None and report.c2pa.manifest.likeness is None
    assert report.verdict == "not_likeness"  # … but not ours
    assert not report.verified
    assert report.asset_kind is None
    assert report.headline.startswith("NOT A LIKENESS RELEASE: valid Content Credentials")
    assert "no Likeness release assertion" in report.headline
    data = _json(report)
    assert (data["verdict"], data["verified"], data["asset_kind"]) == ("not_likeness", False, None)


@pytest.mark.parametrize(("fmt", "mime"), FORMATS)
def test_a_remote_manifest_is_not_fetched_and_not_called_invalid(
    fmt: str, mime: str, signing: SigningMaterial, verify_config: VerifyConfig
) -> None:
    signed, store = sign_manifest(
        make_image(fmt), camera_manifest(mime), signing, remote_url=REMOTE_URL, embed=False
    )
    assert store and REMOTE_URL.encode() in signed  # the image holds only the reference
    report = verify(signed, verify_config)
    assert report.c2pa.state == "remote_not_fetched"
    assert report.c2pa.remote_url == REMOTE_URL
    assert report.verdict == "remote_not_fetched" and not report.verified
    assert report.c2pa.errors == (
        f"the manifest is stored remotely at {REMOTE_URL}; verify does not fetch over the network",
    )
    assert "Invalid" not in json.dumps(report.to_dict())
    assert report.headline.startswith("REMOTE MANIFEST NOT FETCHED")
    assert REMOTE_URL in report.headline
    data = _json(report)
    assert data["c2pa"] == {
        "state": "remote_not_fetched",
        "errors": list(report.c2pa.errors),
        "manifest": None,
        "remote_url": REMOTE_URL,
    }


def test_an_embedded_manifest_wins_over_its_remote_reference(
    signing: SigningMaterial, verify_config: VerifyConfig
) -> None:
    image = make_image("JPEG")
    both, _ = sign_manifest(image, camera_manifest("image/jpeg"), signing, remote_url=REMOTE_URL)
    assert REMOTE_URL.encode() in both
    report = verify(both, verify_config)
    assert report.c2pa.state == "Trusted"
    assert report.c2pa.remote_url is None and report.verdict == "not_likeness"


@pytest.mark.parametrize(
    ("assertion", "verdict", "kind"),
    [
        ({}, "likeness_release", "release"),
        ({"asset_kind": "release"}, "likeness_release", "release"),
        ({"asset_kind": "preview"}, "likeness_preview", "preview"),
        ({"asset_kind": "draft"}, "likeness_unknown_kind", "draft"),
        ({"asset_kind": 7}, "likeness_unknown_kind", "7"),
    ],
)
def test_the_asset_kind_comes_from_the_likeness_assertion(
    assertion: dict[str, object],
    verdict: str,
    kind: str,
    signing: SigningMaterial,
    verify_config: VerifyConfig,
) -> None:
    manifest = likeness_manifest(make_info(), "image/png", **assertion)
    signed, _ = sign_manifest(make_image("PNG"), manifest, signing)
    report = verify(signed, verify_config)
    assert report.c2pa.state == "Trusted"
    assert (report.verdict, report.asset_kind) == (verdict, kind)
    assert report.verified is (verdict == "likeness_release")
    assert _json(report)["asset_kind"] == kind


def test_a_preview_never_reads_as_a_release(
    signing: SigningMaterial, verify_config: VerifyConfig
) -> None:
    manifest = likeness_manifest(make_info(), "image/jpeg", asset_kind="preview")
    signed, _ = sign_manifest(make_image("JPEG"), manifest, signing)
    report = verify(signed, verify_config)
    assert not report.verified
    assert report.headline.startswith("PREVIEW — not for publication")
    assert "RELEASE" not in report.headline


def test_every_verdict_has_its_headline(verify_config: VerifyConfig) -> None:
    absent = verify(make_image("PNG"), verify_config)
    assert absent.verdict == "absent"
    assert absent.headline == "NOT VERIFIED: no Content Credentials"
    invalid = replace(absent, c2pa=replace(absent.c2pa, state="Invalid"))
    assert invalid.verdict == "invalid"
    assert invalid.headline.startswith("NOT VERIFIED: the Content Credentials are invalid")
    assert set(VERDICTS) == {
        "likeness_release",
        "likeness_unconfirmed",
        "likeness_preview",
        "likeness_unknown_kind",
        "not_likeness",
        "remote_not_fetched",
        "invalid",
        "absent",
    }
