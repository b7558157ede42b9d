"""The talent's pages over HTTP: what the inbox shows, signing with the API's weight,
revoking after the warning, reviewing, and "my likeness"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from e2e.portal.conftest import Visitors
from integration import asset_support, output_support
from integration.test_license_support import LEGAL_NAME, to_status
from likeness.asset import service as assets
from likeness.consent import service as consents
from likeness.consent.signing import AFFIRMATION
from likeness.kit.db import Database
from likeness.licensing import repository as licenses
from likeness.models.audit import AuditEvent
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus
from likeness.policy import ConsentStatus, LicenseStatus
from likeness.runtime import Runtime


@dataclass
class Things:
    output: str
    consent: str
    license: str
    sha256: str


@pytest.fixture
def things(visitors: Visitors, runtime: Runtime, db: Database) -> Things:
    with db.unit_of_work() as session:
        config = output_support.stamp_config(runtime.settings.keys_dir)
        s = output_support.setup(session, visitors.world, runtime.storage, config)
        pending = output_support.create(session, runtime.storage, s)
        waiting = to_status(session, visitors.world, "accepted")
        consent = licenses.use_consent_of(session, waiting.id)
        assert consent is not None
        return Things(pending.id, consent.id, waiting.id, consent.document_sha256)


def _sign(visitors: Visitors, things: Things, **fields: str) -> object:
    data = {
        "csrf_token": visitors.tokens["talent"],
        "document_sha256": things.sha256,
        "typed_name": LEGAL_NAME,
        "statement": AFFIRMATION,
        **fields,
    }
    return visitors["talent"].post(f"/talent/consents/{things.consent}/sign", data=data)


def test_the_inbox_shows_what_waits_for_her(visitors: Visitors, things: Things) -> None:
    page = visitors["talent"].get("/talent/inbox")
    assert page.status_code == 200
    assert f'href="/talent/consents/{things.consent}"' in page.text
    assert f'href="/talent/outputs/{things.output}"' in page.text
    assert "2 things wait for you." in page.text
    # The header tells her on every page, not only in the inbox.
    elsewhere = visitors["talent"].get("/verify").text
    assert re.search(r'Inbox <span class="count">2<span class="sr-only"> waiting', elsewhere)
    # Nobody else's inbox shows her things.
    other = visitors["other_talent"].get("/talent/inbox").text
    assert things.consent not in other
    assert things.output not in other


def test_the_consent_page_shows_the_whole_document(
    visitors: Visitors, things: Things, db: Database
) -> None:
    page = visitors["talent"].get(f"/talent/consents/{things.consent}").text
    with db.unit_of_work() as session:
        _, document = consents.document_view(
            session, visitors.world.actor(session, "talent"), things.consent
        )
    from markupsafe import escape

    for section in document["sections"]:
        assert str(escape(section.title)) in page
        for paragraph in section.paragraphs:
            assert str(escape(paragraph)) in page
    assert things.sha256 in page
    assert f'name="document_sha256" value="{things.sha256}"' in page


def test_signing_in_the_portal_is_signing_through_the_api(
    visitors: Visitors, things: Things, db: Database
) -> None:
    wrong = _sign(visitors, things, typed_name="Somebody Else")
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    text = wrong.text  # type: ignore[attr-defined]
    assert 'id="f-typed_name-error"' in text
    assert "full legal name" in text
    assert 'value="Somebody Else"' in text  # what she typed is kept
    assert f'value="{AFFIRMATION}"' in text
    stale = _sign(visitors, things, document_sha256="f" * 64)
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert "not the document you were shown" in stale.text  # type: ignore[attr-defined]

    done = _sign(visitors, things)
    assert done.status_code == 303  # type: ignore[attr-defined]
    with db.unit_of_work() as session:
        consent = consents.get_for(session, visitors.world.actor(session, "talent"), things.consent)
        assert consent.status is ConsentStatus.signed
        lic = session.get(License, things.license)
        assert lic is not None and lic.status is LicenseStatus.active
        read = consents.to_read(session, consent)
        assert read.signature is not None
        assert read.signature.typed_name == LEGAL_NAME
        assert read.signature.statement == AFFIRMATION
        assert read.signature.document_sha256 == things.sha256
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "consent.signed", AuditEvent.object_id == things.consent
            )
        ).one()
        assert event.actor == f"talent:{visitors.world.talent_user.email}"
        assert things.sha256 in event.payload and LEGAL_NAME in event.payload
    again = _sign(visitors, things)
    assert again.status_code == 409  # type: ignore[attr-defined]


def test_revoking_says_what_it_ends_and_needs_confirmation(
    visitors: Visitors, things: Things, db: Database
) -> None:
    assert _sign(visitors, things).status_code == 303  # type: ignore[attr-defined]
    talent = visitors["talent"]
    page = talent.get(f"/talent/consents/{things.consent}").text
    assert "Revoking cannot be undone." in page
    assert f"Your license with <strong>{visitors.world.brand.name}</strong>" in page
    form = {"csrf_token": visitors.tokens["talent"], "reason": "changed my mind"}
    unconfirmed = talent.post(f"/talent/consents/{things.consent}/revoke", data=form)
    assert unconfirmed.status_code == 422
    assert 'id="f-understood-error"' in unconfirmed.text
    assert 'value="changed my mind"' in unconfirmed.text
    done = talent.post(
        f"/talent/consents/{things.consent}/revoke", data={**form, "understood": "true"}
    )
    assert done.status_code == 303
    with db.unit_of_work() as session:
        lic = session.get(License, things.license)
        assert lic is not None and lic.status is LicenseStatus.revoked
    assert "was revoked" in talent.get(f"/talent/consents/{things.consent}").text
    # An agent cannot revoke for her (the API's rule): the page is not theirs.
    assert (
        visitors["agent"]
        .post(
            f"/talent/consents/{things.consent}/revoke",
            data={"csrf_token": visitors.tokens["agent"], "understood": "true"},
        )
        .status_code
        == 403
    )


def test_she_reviews_an_output(visitors: Visitors, things: Things, db: Database) -> None:
    talent = visitors["talent"]
    page = talent.get(f"/talent/outputs/{things.output}")
    assert page.status_code == 200
    preview = talent.get(f"/talent/outputs/{things.output}/preview")
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("image/")
    token = visitors.tokens["talent"]
    no_reason = talent.post(
        f"/talent/outputs/{things.output}/reject", data={"csrf_token": token, "reason": " "}
    )
    assert no_reason.status_code == 422
    assert 'id="f-reason-error"' in no_reason.text
    approved = talent.post(
        f"/talent/outputs/{things.output}/approve", data={"csrf_token": token, "note": "lovely"}
    )
    assert approved.status_code == 303
    with db.unit_of_work() as session:
        output = session.get(Output, things.output)
        assert output is not None and output.status is OutputStatus.approved
        assert output.review_reason == "lovely"
    # Reviewed once: a second decision is refused and said so on the page.
    late = talent.post(
        f"/talent/outputs/{things.output}/reject", data={"csrf_token": token, "reason": "no"}
    )
    assert late.status_code == 409
    assert "alert-error" in late.text


def test_my_likeness_lists_her_released_images_with_downloads(
    visitors: Visitors, runtime: Runtime, db: Database
) -> None:
    with db.unit_of_work() as session:
        released = asset_support.licensed(session, visitors.world, runtime.storage)
        brand = visitors.world.actor(session, "brand")
        asset = asset_support.register(session, brand, runtime.storage, released)
        assets.read_file(session, brand, runtime.storage, asset.id)  # one download
        asset_id = asset.id
    page = visitors["talent"].get("/talent/likeness").text
    row = page[page.index(asset_id[:8]) :]
    row = row[: row.index("</tr>")]
    assert visitors.world.brand.name in row
    assert "instagram" in row
    assert '<td data-label="Downloads">1</td>' in row
    assert asset_id[:8] not in visitors["other_talent"].get("/talent/likeness").text
