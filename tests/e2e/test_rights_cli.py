"""The rights core through the `likeness` command: exit codes, JSON, role checks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import LEGAL_NAME, World
from likeness.consent.signing import AFFIRMATION
from likeness.kit.clock import utcnow


def test_full_negotiation_and_decision_on_the_command_line(world: World, tmp_path: Path) -> None:
    start = (utcnow() - timedelta(hours=1)).isoformat()
    end = (utcnow() + timedelta(days=90)).isoformat()
    until = (utcnow() + timedelta(days=3650)).isoformat()
    creation = ok_json(
        "consent", "create", "--talent", world.talent.id, "--purpose", "Build my twin",
        "--until", until, *as_(world, "agent"),
    )  # fmt: skip
    code, out = run(
        "consent", "sign", str(creation["id"]), "--name", LEGAL_NAME, "--statement", AFFIRMATION,
        *as_(world, "agent"),
    )  # fmt: skip
    assert code == 1 and "only the talent themself may sign" in out
    ok_json(
        "consent", "sign", str(creation["id"]), "--name", LEGAL_NAME, "--statement", AFFIRMATION,
        *as_(world, "talent"),
    )  # fmt: skip

    lic = ok_json(
        "license", "request", "--talent", world.talent.id, "--brand", world.brand.id,
        "--channel", "instagram", "--territory", "FR", "--category", "fashion",
        "--start", start, "--end", end, "--max-outputs", "4", "--per-use-fee", "instagram=1500",
        "--purpose", "Autumn campaign", *as_(world, "brand"),
    )  # fmt: skip
    lid = str(lic["id"])
    assert lic["status"] == "requested"
    terms_file = tmp_path / "terms.yaml"
    terms_file.write_text(
        "channels: [instagram]\nterritories: [FR, BE]\ncategories: [fashion]\n"
        f"starts_at: '{start}'\nends_at: '{end}'\nmax_outputs: 3\npurpose: Autumn campaign\n"
        "per_use_fees_minor: {instagram: 2000}\n"
    )
    proposed = ok_json(
        "license", "propose", lid, "--terms-file", str(terms_file), *as_(world, "agent")
    )
    assert proposed["terms"]["territories"] == ["BE", "FR"]  # type: ignore[index]
    code, out = run("license", "accept", lid, *as_(world, "other_brand"))
    assert code == 1 and "no license" in out
    accepted = ok_json("license", "accept", lid, *as_(world, "brand"))
    consent_id = str(accepted["use_consent_id"])
    code, out = run("consent", "render", consent_id, *as_(world, "talent"))
    assert code == 0 and "Territories: BE, FR." in out
    pdf = tmp_path / "consent.pdf"
    code, _ = run("consent", "render", consent_id, "--format", "pdf", "--output", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF-")
    active = ok_json(
        "license", "approve", lid, "--name", LEGAL_NAME, "--statement", AFFIRMATION, "--key",
        *as_(world, "talent"),
    )  # fmt: skip
    assert active["status"] == "active"
    code, out = run("consent", "verify", consent_id)
    assert code == 0 and "consent intact" in out and not out.startswith("{")
    assert ok_json("consent", "verify", consent_id)["ed25519_valid"] is True
    shown_consent = ok_json("consent", "show", consent_id, *as_(world, "brand"))
    assert shown_consent["status"] == "signed" and shown_consent["license_id"] == lid
    code, out = run("consent", "show", str(creation["id"]), *as_(world, "brand"))
    assert code == 1 and "no consent" in out
    listed_consents = json.loads(run("consent", "list", "--json", *as_(world, "talent"))[1])
    assert {c["kind"] for c in listed_consents} == {"creation", "use"}

    decide = ["decide", "--twin", world.talent.id, "--brand", world.brand.id]
    allow = ok_json(
        *decide, "--action", "publish", "--channel", "instagram", "--territory", "BE",
        "--category", "fashion", *as_(world, "brand"),
    )  # fmt: skip
    assert allow["allow"] is True and allow["license_id"] == lid
    code, out = run(
        *decide, "--action", "publish", "--channel", "tiktok", "--territory", "BE",
        "--category", "fashion", "--json",
    )  # fmt: skip
    assert code == 3
    assert json.loads(out)["reasons"][0]["code"] == "channel.not_licensed"
    code, out = run(
        *decide, "--action", "generate", "--channel", "instagram", "--category", "fashion",
        "--at", "2026-01-01T00:00:00",
    )  # fmt: skip
    assert code == 2 and "with a zone" in out and "Traceback" not in out
    code, out = run(*decide, "--action", "sell", "--channel", "instagram")
    assert code == 2  # click usage error for an unknown choice

    code, out = run("license", "revoke", lid, "--reason", "done", *as_(world, "agent"))
    assert code == 1 and "only the operator or talent may revoke" in out
    ok_json("license", "revoke", lid, "--reason", "done", *as_(world, "talent"))
    code, out = run(
        *decide, "--action", "publish", "--channel", "instagram", "--territory", "BE",
        "--category", "fashion",
    )  # fmt: skip
    assert code == 3 and "license.revoked" in out
    notes = json.loads(run("license", "notifications", "--json", *as_(world, "brand"))[1])
    assert "license.revoked" in [n["kind"] for n in notes]
    listed = json.loads(run("license", "list", "--json", *as_(world, "other_brand"))[1])
    assert listed == []
    shown = ok_json("license", "show", lid, *as_(world, "brand"))
    assert shown["status"] == "revoked"


def test_limits_and_bad_input(world: World) -> None:
    code, out = run(
        "consent", "limits", world.talent.id, "--set", "tobacco,alcohol", *as_(world, "talent")
    )
    assert code == 0 and "alcohol, tobacco" in out
    code, out = run("consent", "limits", world.talent.id, "--set", "x", *as_(world, "agent"))
    assert code == 1
    code, out = run("consent", "render", "nope", "--format", "pdf")
    assert code == 1 and "--output" in out
    code, out = run(
        "license",
        "request",
        "--talent",
        world.talent.id,
        "--brand",
        world.brand.id,
        "--per-use-fee",
        "instagram:12",
        *as_(world, "brand"),
    )
    assert code == 1 and "CHANNEL=AMOUNT" in out
    code, out = run("license", "show", "does-not-exist")
    assert code == 1 and "no license" in out
    code, out = run("license", "sweep", "--json")
    assert code == 0 and json.loads(out) == {"expired": []}
