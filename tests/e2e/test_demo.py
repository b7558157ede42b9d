"""`likeness demo` end to end: the whole chain twice on one data home, checked from outside."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from e2e.cli_support import loose_modes, umask
from likeness.cli import app
from likeness.kit.db import Database
from likeness.provenance import VerifyConfig, verify
from likeness.settings import Settings
from likeness.system import demo

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, db: Database) -> Path:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LIKENESS_DATABASE_URL", database_url)
    monkeypatch.delenv("LIKENESS_SECRET_KEY", raising=False)
    return tmp_path / "home"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def follow_up(output: str, command: str) -> str:
    """The argument the demo's "Follow up" list gives for ``likeness <command> …``."""
    found = re.search(rf"^  likeness {command} (\S+)", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def check_release(path: Path, home: Path) -> str:
    assert path.parent == home / "outputs" and path.is_file()
    with Image.open(path) as image:  # the campaign size, made at native resolution
        assert image.size == (1080, 1350) and image.format == "PNG" and path.suffix == ".png"
    report = verify(path.read_bytes(), VerifyConfig.from_settings(Settings()))
    assert report.verified and report.c2pa.state == "Trusted", report.c2pa.errors
    manifest = report.c2pa.manifest
    assert manifest is not None and manifest.likeness is not None
    assert (manifest.digital_source_type or "").endswith("/compositeWithTrainedAlgorithmicMedia")
    assert report.watermark.found is True and report.watermark.matches_manifest is True
    assert report.watermark.payload_hex == str(manifest.likeness["asset_id"])[:16]
    return str(manifest.likeness["license_id"])


@pytest.mark.slow  # two full runs: a 736 px capture and three 1080 × 1350 images each
def test_demo_runs_the_whole_chain_twice(home: Path) -> None:
    code, first = run("demo")
    assert code == 0, first
    assert "DENY publish on tiktok/FR/lingerie" in first and "channel.not_licensed" in first
    # Monitoring: the release where licensed, its re-post on TikTok and the look-alike.
    words = " ".join(first.split())
    assert "licensed www.instagram.com/ava-campaign" in words
    assert "outside_channel www.tiktok.com/ava-repost.jpg → case" in words
    assert "unmarked_match fan-edits.example.com/ava-lookalike.png → case" in words
    assert words.count("no_match news.example.com/crowd-") == 2
    released = Path(follow_up(first, "verify"))
    first_license = check_release(released, home)
    twin_id = follow_up(first, "twin show")
    code, out = run("verify", str(released))
    assert code == 0 and "C2PA       Trusted" in out, out

    code, second = run("demo")
    assert code == 0, second
    assert "reusing the talent's signed consent" in second
    assert follow_up(second, "twin show") == twin_id
    released_again = Path(follow_up(second, "verify"))
    assert released_again != released
    second_license = check_release(released_again, home)
    assert second_license != first_license  # each run releases under the license it named
    # Two approved outputs released per run; the rejected one never.
    files = sorted(p.name for p in (home / "outputs").iterdir())
    assert len(files) == 4 and {released.name, released_again.name} <= set(files)

    code, out = run("output", "list", "--json", "--as", demo.EMAILS["talent"])
    assert code == 0, out
    outputs = json.loads(out)
    assert sorted(o["status"] for o in outputs) == ["rejected"] * 2 + ["released"] * 4
    assert {o["review_reason"] for o in outputs if o["status"] == "rejected"} == {
        demo.REJECT_REASON
    }
    assert all(o["review_mode"] == "talent" for o in outputs)
    # Every output came through the generation gate: a request of the brand's, the
    # composite engine at 1080 × 1350, and the automated identity checks passed.
    assert {o["engine"] for o in outputs} == {"composite"}
    assert {(o["width"], o["height"]) for o in outputs} == {(1080, 1350)}
    assert all(o["engine_params"]["params"]["upscale"]["max"] <= 1.5 for o in outputs)
    assert all(o["generation_request_id"] and o["check"]["passed"] for o in outputs)
    assert all(
        o["check"]["details"]["distance"] <= o["check"]["details"]["threshold"] for o in outputs
    )
    request_ids = {o["generation_request_id"] for o in outputs}
    assert len(request_ids) == 6  # one request per look, three looks per run
    request_id = follow_up(second, "generate status")
    assert request_id in request_ids
    code, out = run("generate", "status", request_id, "--json", "--as", demo.EMAILS["brand"])
    assert code == 0, out
    request = json.loads(out)
    assert (request["engine"], request["task"], request["status"]) == (
        "composite",
        "tryon",
        "succeeded",
    )
    assert (request["width"], request["height"], request["count"]) == (1080, 1350, 1)
    code, out = run("job", "list", "--kind", "generation", "--json", "--as", demo.EMAILS["brand"])
    assert code == 0, out
    jobs = json.loads(out)
    assert len(jobs) == 6 and {j["status"] for j in jobs} == {"succeeded"}
    code, out = run("asset", "list", "--kind", "release", "--json", "--as", demo.EMAILS["brand"])
    assert code == 0, out
    assets = {a["id"]: a for a in json.loads(out)}
    assert {f"{asset_id}.png" for asset_id in assets} == set(files)
    assert {a["status"] for a in assets.values()} == {"active"}
    published = [a for a in assets.values() if a["publications"]]
    assert {a["id"] for a in published} == {released.stem, released_again.stem}
    assert "stripped + re-encoded copy: no C2PA, watermark → asset" in second

    code, out = run("twin", "show", twin_id, "--json", "--as", demo.EMAILS["talent"])
    assert code == 0, out
    assert [v["version"] for v in json.loads(out)["versions"]] == [1, 2]
    code, out = run("license", "list", "--json", "--as", demo.EMAILS["brand"])
    assert code == 0, out
    licenses = {lic["id"]: lic for lic in json.loads(out)}
    assert len(licenses) == 2 and {lic["status"] for lic in licenses.values()} == {"active"}
    assert [lic["released_count"] for lic in licenses.values()] == [2, 2]
    code, out = run("audit", "verify")
    assert code == 0 and "audit chain OK" in out, out
    # The demo ends by proving its first release; the bundle checks offline.
    assert "prove " in second[second.index("audit ") :]
    bundles = sorted((home / "proofs").iterdir())
    names = {f"proof-{released.stem}.zip", f"proof-{released_again.stem}.zip"}
    assert {b.name for b in bundles} == names
    code, out = run("prove", "--check", str(bundles[0]))
    assert code == 0 and "proof bundle verified" in out, out
    check_money(second)
    check_portal_logins(second)


def check_portal_logins(output: str) -> None:
    """The demo ends with the portal's address and a login for each role."""
    tail = output[output.index("Portal:") :]
    assert "http://127.0.0.1:8000/" in tail
    for email in demo.EMAILS.values():
        assert email in tail
    assert f"password {demo.DEMO_PASSWORD}" in tail


def check_money(output: str) -> None:
    """The money summary after two runs, computed here from the demo's terms: per run a
    creation fee of EUR 1,500, two releases at EUR 250, one publication at EUR 20; the
    agency's 15 %; due 30 days after the uses (today)."""
    gross = 2 * (150_000 + 2 * 25_000 + 2_000)
    commission = 2 * (150_000 * 15 // 100 + 2 * (25_000 * 15 // 100) + 2_000 * 15 // 100)
    due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    assert "4 fees posted from the audit chain" in output

    def eur(minor: int) -> str:
        return f"EUR {minor // 100:,}.{minor % 100:02d}"

    table = output[output.index("Money so far") :]
    lines = table.splitlines()
    assert max(len(line) for line in lines[: lines.index("Follow up:")]) <= 80
    for name, verb, amount in (
        ("Maison Aurel", "owes", gross),
        ("Northlight Models", "earned", commission),
        (demo.TALENT_NAME, "is owed", gross - commission),
    ):
        gap = r"[\s│]+"  # the table's column rules
        row = rf"{name}{gap}{verb}{gap}{re.escape(eur(amount))}{gap}{due}"
        assert re.search(row, table), table
    code, out = run("ledger", "check")
    assert code == 0 and "ledger OK" in out, out


@pytest.mark.slow
def test_everything_under_the_home_is_private_after_init_and_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """likeness.db (and its -wal/-shm), blobs, keys and outputs: 0600 in 0700 folders,
    even with the usual umask of 022 (issue 16.8)."""
    home = tmp_path / "home"
    monkeypatch.setenv("LIKENESS_HOME", str(home))
    monkeypatch.delenv("LIKENESS_DATABASE_URL", raising=False)  # the database in the home
    monkeypatch.delenv("LIKENESS_SECRET_KEY", raising=False)
    with umask(0o022):
        code, out = run("init")
        assert code == 0, out
        assert (home / "likeness.db").is_file()
        assert loose_modes(home) == {}
        code, out = run("demo")
        assert code == 0, out
    names = {p.name for p in home.rglob("*")}
    assert {"likeness.db", "master.key", "vault", "outputs"} <= names, names
    assert [p for p in (home / "blobs").rglob("*") if p.is_file()], "sealed blobs were written"
    assert loose_modes(home) == {}


def test_a_home_that_is_a_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "file"))
    monkeypatch.delenv("LIKENESS_DATABASE_URL", raising=False)
    code, out = run("demo")
    assert code == 1 and out.startswith("error:") and out.count("\n") == 1, out
