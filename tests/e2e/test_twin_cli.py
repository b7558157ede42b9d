"""Captures and twins through the `likeness` command: synth → ingest → QC → build → retire."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import select

from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import LEGAL_NAME, World, to_status
from likeness.consent.signing import AFFIRMATION
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from tiny_diffusion import fake_lora


def test_capture_to_twin_on_the_command_line(world: World, tmp_path: Path, db: Database) -> None:
    out_dir = tmp_path / "session"
    code, out = run(
        "capture", "synth", str(out_dir), "--seed", "3", "--views", "3", "--lights", "16",
        "--size", "256",
    )  # fmt: skip
    assert code == 0, out
    assert (out_dir / "capture.json").is_file()

    talent = as_(world, "talent")
    code, out = run("capture", "ingest", str(out_dir), "--talent", world.talent.id,
                    *as_(world, "brand"))  # fmt: skip
    assert code == 1 and "only the talent" in out
    # No capture without the talent's creation consent naming "capture".
    code, out = run("capture", "ingest", str(out_dir), "--talent", world.talent.id, *talent)
    assert code == 1 and out.startswith("error: capture refused: talent "), out
    assert "no signed creation consent in force" in out and "Traceback" not in out
    until = (utcnow() + timedelta(days=3650)).isoformat()
    to_be_captured = ok_json(
        "consent", "create", "--talent", world.talent.id, "--purpose", "Capture me",
        "--until", until, "--activity", "capture", *talent,
    )  # fmt: skip
    assert isinstance(to_be_captured, dict)
    ok_json("consent", "sign", str(to_be_captured["id"]), "--name", LEGAL_NAME,
            "--statement", AFFIRMATION, *talent)  # fmt: skip
    ingested = ok_json("capture", "ingest", str(out_dir), "--talent", world.talent.id, *talent)
    assert isinstance(ingested, dict)
    sid = str(ingested["session_id"])
    report = ok_json("capture", "qc", sid, *talent)
    assert isinstance(report, dict) and report["passed"] is True, report

    code, out = run("twin", "build", "--talent", world.talent.id, "--session", sid, *talent)
    assert code == 1 and "creation consent does not allow 'build'" in out
    consent = ok_json(
        "consent", "create", "--talent", world.talent.id, "--purpose", "Build my twin",
        "--until", until, *talent,
    )  # fmt: skip
    assert isinstance(consent, dict)
    ok_json("consent", "sign", str(consent["id"]), "--name", LEGAL_NAME,
            "--statement", AFFIRMATION, *talent)  # fmt: skip
    built = ok_json("twin", "build", "--talent", world.talent.id, "--session", sid, *talent)
    assert isinstance(built, dict) and built["version"] == 1
    twin_id = str(built["twin_id"])

    listed = ok_json("twin", "list", *talent)
    assert isinstance(listed, list) and [t["id"] for t in listed] == [twin_id]
    shown = ok_json("twin", "show", twin_id, *talent)
    assert isinstance(shown, dict) and shown["versions"][0]["lights"] == 16
    code, out = run("twin", "show", twin_id, *as_(world, "brand"))
    assert code == 1 and "only the talent" in out

    scene = tmp_path / "scene.yaml"
    scene.write_text(
        "lights:\n  - {azimuth_deg: -35, elevation_deg: 25, color: [1.0, 0.95, 0.9]}\n"
        "background: {color: [0.05, 0.08, 0.12]}\nframing: {width: 240, height: 300}\n"
    )
    rendered = tmp_path / "twin.png"
    code, out = run("render", "--twin", twin_id, "--scene", str(scene), "-o", str(rendered),
                    *talent)  # fmt: skip
    assert code == 1 and "names its --license and --channel" in out, out
    # A render from a twin is an output under a license (the output tests go further).
    with db.unit_of_work() as session:
        lic = to_status(session, world, "active").id
    use = ["--license", lic, "--channel", "instagram", "--territory", "FR"]
    code, out = run("render", "--twin", twin_id, "--scene", str(scene), "-o", str(rendered),
                    *use, *talent)  # fmt: skip
    assert code == 0, out
    image = np.asarray(Image.open(rendered))
    assert image.shape == (300, 240, 3)  # the preview: marked and watermarked
    backdrop = image[:10, :10].mean((0, 1))
    assert np.abs(image[80:220, 60:180].astype(int) - backdrop).mean() > 20  # a subject is there
    code, out = run("render", "--twin", twin_id, "--scene", str(scene), "-o", str(rendered),
                    *use, *as_(world, "brand"))  # fmt: skip
    assert code == 1 and "only the talent" in out

    # A talent LoRA is sealed with the twin's key (and so shredded with it below).
    lora = tmp_path / "talent.safetensors"
    lora.write_bytes(fake_lora())
    code, out = run("twin", "add-lora", twin_id, str(lora), *as_(world, "brand"))
    assert code == 1 and "only the talent" in out
    code, out = run("twin", "add-lora", twin_id, str(scene), *talent)
    assert code == 1 and out.startswith("error:") and "not a safetensors file" in out
    added = ok_json("twin", "add-lora", twin_id, str(lora), *talent)
    assert isinstance(added, dict) and added["extras"] == ["lora"] and added["version"] == 1

    # Withdrawing the creation consent destroys the twin's keys in the same command.
    code, out = run("consent", "revoke", str(consent["id"]), "--reason", "delete me", *talent)
    assert code == 0 and f"twin {twin_id} crypto-shredded" in out
    code, out = run("twin", "retire", twin_id, "--reason", "please delete me", *talent)
    assert code == 1 and "deleted" in out
    shown = ok_json("twin", "show", twin_id, *talent)
    assert isinstance(shown, dict) and shown["status"] == "deleted"
    vault = tmp_path / "home" / "keys" / "vault"
    assert not any(vault.glob(f"twin-{twin_id}*"))
    code, out = run("render", "--twin", twin_id, "--scene", str(scene), "-o", str(rendered),
                    *use, *talent)  # fmt: skip
    assert code == 1 and "deleted" in out


def test_bad_input_is_one_clear_line(world: World, tmp_path: Path) -> None:
    code, out = run("capture", "ingest", str(tmp_path / "nope"), "--talent", world.talent.id,
                    "--override-reason", "testing a missing folder")  # fmt: skip
    assert code == 1 and out.startswith("error:") and "no such file" in out
    code, out = run("capture", "synth", str(tmp_path / "x"), "--seed", "1", "--lights", "2")
    assert code == 1 and "lights must be between" in out
    code, out = run("capture", "synth", str(tmp_path / "x"), "--seed", "1", "--views", "9")
    assert code == 1 and "views must be between 1 and 8" in out
    code, out = run("capture", "synth", str(tmp_path / "x"), "--seed", "-1", "--size", "64")
    assert code == 1 and out.startswith("error:") and "seed" in out
    assert not (tmp_path / "x").exists()  # a refused run leaves no folder behind
    code, out = run("capture", "qc", "nosuchsession")
    assert code == 1 and "no capture session" in out


def test_an_operator_override_and_a_deep_manifest_on_the_command_line(
    world: World, tmp_path: Path
) -> None:
    out_dir = tmp_path / "session"
    code, out = run("capture", "synth", str(out_dir), "--seed", "3", "--views", "1",
                    "--lights", "16", "--size", "128")  # fmt: skip
    assert code == 0, out
    reason = "paper consent signed at the studio; scan follows"
    code, out = run("capture", "ingest", str(out_dir), "--talent", world.talent.id,
                    "--override-reason", reason, *as_(world, "talent"))  # fmt: skip
    assert code == 1 and "only an operator may ingest a capture without" in out
    code, out = run("capture", "ingest", str(out_dir), "--talent", world.talent.id,
                    "--override-reason", "short")  # fmt: skip
    assert code == 1 and "override reason of 10 to 500 characters" in out
    ingested = ok_json("capture", "ingest", str(out_dir), "--talent", world.talent.id,
                       "--override-reason", reason)  # fmt: skip
    assert isinstance(ingested, dict) and ingested["files"] > 0
    events = ok_json("audit", "log", "--action", "capture.consent_override")
    assert any(
        e["object_id"] == world.talent.id and e["payload"]["reason"] == reason for e in events
    ), events

    (out_dir / "capture.json").write_text("[" * 5000)
    code, out = run("capture", "ingest", str(out_dir), "--talent", world.talent.id,
                    "--override-reason", reason)  # fmt: skip
    assert code == 1 and "Traceback" not in out, out
    expected = "error: capture.json nests lists or objects deeper than 64 levels (ManifestInvalid)"
    assert out.strip() == expected, out


def test_reference_photo_on_the_command_line(world: World, tmp_path: Path) -> None:
    from reference_photos import portrait_png

    photo = tmp_path / "me.png"
    photo.write_bytes(portrait_png(0))
    talent = as_(world, "talent")
    code, out = run("capture", "reference", "show", "--talent", world.talent.id, *talent)
    assert code == 0 and "no reference photo" in out
    code, out = run("capture", "reference", "set", str(photo), "--talent", world.talent.id,
                    *as_(world, "brand"))  # fmt: skip
    assert code == 1 and out.startswith("error:") and "only the talent" in out
    stored = ok_json(
        "capture", "reference", "set", str(photo), "--talent", world.talent.id, *talent
    )
    assert isinstance(stored, dict) and stored["face_width"] >= 80
    shown = ok_json("capture", "reference", "show", "--talent", world.talent.id, *talent)
    assert isinstance(shown, dict) and shown["photo_sha256"] == stored["photo_sha256"]

    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(blank)
    code, out = run("capture", "reference", "set", str(blank), "--talent", world.talent.id,
                    *talent)  # fmt: skip
    assert code == 1 and "no face found in the reference photo" in out
    code, out = run("capture", "reference", "set", str(tmp_path / "missing.png"),
                    "--talent", world.talent.id, *talent)  # fmt: skip
    assert code == 1 and "no such file" in out
    code, out = run("capture", "reference", "set", str(tmp_path), "--talent", world.talent.id,
                    *talent)  # fmt: skip
    assert code == 1 and "is a folder; give the photo file itself" in out

    code, out = run("capture", "reference", "clear", "--talent", world.talent.id, *talent)
    assert code == 0 and "removed" in out
    code, out = run("capture", "reference", "clear", "--talent", world.talent.id, *talent)
    assert code == 1 and "no reference photo on file" in out


def test_an_operator_s_look_on_the_command_line_needs_a_reason(world: World, db: Database) -> None:
    """Issue 20: `twin list|show` and `capture list` as an operator (the local command line)
    say in one line that a reason is needed; with one, it goes on the record."""
    talent = world.talent.id
    for args in (("twin", "list"), ("twin", "list", "--talent", talent),
                 ("capture", "list", "--talent", talent), ("twin", "show", "nope")):  # fmt: skip
        code, out = run(*args)
        assert code == 1 and out.startswith("error: an operator must say why"), out
        assert out.count("\n") == 1 and "Traceback" not in out
    code, out = run("twin", "list", "--reason-kind", "incident", "--reason", "short")
    assert code == 1 and "10 to 500 characters" in out, out
    why = ["--reason-kind", "quality_check", "--reason", "checking the studio's new rig"]
    assert ok_json("capture", "list", "--talent", talent, *why) == []
    assert ok_json("twin", "list", "--talent", talent, *as_(world, "talent")) == []
    with db.unit_of_work() as session:
        payloads = [
            json.loads(p)
            for p in session.scalars(
                select(AuditEvent.payload).where(AuditEvent.action == "capture.operator_access")
            )
        ]
    assert payloads == [{"reason_kind": "quality_check", "reason": "checking the studio's new rig"}]
