"""The registrars' pages: role and purpose before any personal data, every read logged with the page's path, and
the whole move-in flow — one registrar enters, another reviews and applies, the household appears at the plate."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from geo_portal.registry.models import AccessLog, Household, Membership, RegistrationEvent
from geo_portal.registry.national_id import synthetic

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def text(response) -> str:
    """The page's text: tags removed, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def log() -> list[tuple]:
    return list(AccessLog.objects.order_by("id").values_list("username", "purpose", "person__name", "selector", "endpoint"))


def test_pages_need_sign_in_and_the_registrar_role(client, staff, street):
    url = reverse("registry:plate", args=[street["plates"][1].pk])
    assert client.get(url).url == f"/staff/login/?next={url}"
    client.force_login(staff["clerk"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "This page is for registrars (household registration)." in text(response)


def test_a_plate_shows_nothing_personal_until_a_purpose_is_given(client, staff, world):
    client.force_login(staff["bob"])
    plate = world["plates"][5]
    url = reverse("registry:plate", args=[plate.pk])
    page = text(client.get(url))
    assert "Why do you read this personal data?" in page and "陳大明" not in page
    assert AccessLog.objects.count() == 0
    page = text(client.get(url, {"purpose": "verification", "note": "case 7"}))
    assert "Household O0000001 (joint living household (共同生活戶)), here since 2024-06-01" in page
    assert "陳大明" in page and "head of household (戶長)" in page and synthetic(1) not in page
    assert {(r[0], r[1], r[3], r[4]) for r in log()} == {("bob", "verification", "households_at_entrance", url)}
    assert [r[2] for r in log()] == ["陳大明", "林美玲", "陳小明", "王大同", "王小同"]
    ids = text(client.get(url, {"purpose": "verification", "ids": "1"}))
    assert synthetic(1) in ids
    assert AccessLog.objects.order_by("-id").values_list("fields", flat=True).first()[-1] == "national_id"


def test_searches_are_posted_never_in_the_url(client, staff, world):
    client.force_login(staff["ann"])
    assert client.get(reverse("registry:search-name")).status_code == 200
    assert AccessLog.objects.count() == 0
    page = text(client.post(reverse("registry:search-name"), {"name": "王", "purpose": "agency", "note": ""}))
    assert "2 persons found" in page and "王大同" in page and "王小同" in page
    page = text(client.post(reverse("registry:search-id"), {"national_id": synthetic(41), "purpose": "citizen"}))
    assert "1 person found" in page and "王小同" in page and synthetic(41) in page
    assert [r[3] for r in log()] == ["persons_by_name", "persons_by_name", "person_by_national_id"]
    page = text(client.post(reverse("registry:search-id"), {"national_id": "O000000001", "purpose": "citizen"}))
    assert "national_id: check digit is wrong (it should be 2)" in page
    missing = text(client.post(reverse("registry:search-id"), {"national_id": synthetic(2), "purpose": ""}))
    assert "This field is required." in missing


def form_data(plate) -> dict:
    data = {
        "effective_date": "2026-03-02",
        "declared_on": "2026-03-05",
        "household_number": "",
        "new_number": "O0000077",
        "kind": "living",
        "person-TOTAL_FORMS": "4",
        "person-INITIAL_FORMS": "0",
        "person-MIN_NUM_FORMS": "1",
        "person-MAX_NUM_FORMS": "12",
    }
    people = [("張三", "M", "1975-04-01", synthetic(77), "head"), ("李四", "F", "1978-09-09", synthetic(78), "spouse")]
    for i, (name, sex, born, nid, relation) in enumerate(people):
        data |= {
            f"person-{i}-name": name,
            f"person-{i}-sex": sex,
            f"person-{i}-birth_date": born,
            f"person-{i}-national_id": nid,
            f"person-{i}-relation": relation,
        }
    return data


def test_a_move_in_entered_reviewed_and_applied_by_two_registrars(client, staff, world):
    plate = world["plates"][3]
    client.force_login(staff["ann"])
    response = client.post(reverse("registry:new-move-in", args=[plate.pk]), form_data(plate))
    event = RegistrationEvent.objects.get(kind="move_in", status="draft")
    assert response.url == reverse("registry:event", args=[event.pk])
    detail = text(client.get(response.url))
    assert (
        "張三" in detail
        and synthetic(77) in detail
        and "O0000077 · joint living household (共同生活戶) · 新竹市東區光復路二段3號" in detail
    )
    client.post(reverse("registry:event-step", args=[event.pk, "submit"]), {"version": event.version})
    event.refresh_from_db()
    mine = client.get(reverse("registry:event", args=[event.pk])).content.decode()
    assert "You submitted this event: another registrar reviews it." in mine and ">Approve</button>" not in mine
    refused = text(
        client.post(reverse("registry:event-step", args=[event.pk, "approve"]), {"version": event.version}, follow=True)
    )
    assert f"reviewed_by: ann submitted event #{event.pk}: another registrar must approve it" in refused
    client.force_login(staff["bob"])
    home = client.get(reverse("registry:home")).content.decode()
    assert f'href="{reverse("registry:event", args=[event.pk])}">#{event.pk}</a>' in home
    client.post(reverse("registry:event-step", args=[event.pk, "approve"]), {"version": event.version, "note": "ok"})
    event.refresh_from_db()
    done = text(
        client.post(reverse("registry:event-step", args=[event.pk, "apply"]), {"version": event.version}, follow=True)
    )
    assert f"Event #{event.pk} applied to the register." in done
    household = Household.objects.get(number="O0000077")
    assert (household.plate_id, household.head.name) == (plate.pk, "張三")
    page = text(client.get(reverse("registry:plate", args=[plate.pk]), {"purpose": "registration"}))
    assert "Household O0000077" in page and "李四" in page
    reads = {(r[0], r[1], r[3]) for r in log()}
    assert ("ann", "registration", "event_for_review") in reads and ("bob", "registration", "event_for_review") in reads


def test_refusals_are_shown_with_their_field_and_nothing_is_saved(client, staff, world):
    plate = world["plates"][3]
    client.force_login(staff["ann"])
    data = form_data(plate) | {"person-1-national_id": synthetic(1)}
    page = text(client.post(reverse("registry:new-move-in", args=[plate.pk]), data))
    person = world["people"]["陳大明"].pk
    assert f"newcomers[1].national_id: belongs to person {person}, already in the register" in page
    assert RegistrationEvent.objects.filter(kind="move_in", status="draft").count() == 0
    page = text(client.post(reverse("registry:new-move-in", args=[plate.pk]), form_data(plate) | {"household_number": "X9"}))
    assert "There is no household with this number." in page


def test_a_move_out_of_the_head_needs_the_new_head(client, staff, world):
    household = world["household"]
    people = world["people"]
    client.force_login(staff["ann"])
    url = reverse("registry:new-departure", args=[household.pk, "move_out"])
    page = text(client.get(url))
    assert "Relation of 林美玲 to the new head" in page
    base = {"effective_date": "2026-03-01", "declared_on": "2026-03-02", "leaving": [people["陳大明"].pk]}
    page = text(client.post(url, base))
    assert "new_head_id: the head of household O0000001 leaves" in page
    response = client.post(url, base | {"new_head": people["林美玲"].pk, f"relation_{people['陳小明'].pk}": "son"})
    event = RegistrationEvent.objects.get(kind="move_out")
    assert response.url == reverse("registry:event", args=[event.pk])
    assert event.details["new_head_id"] == people["林美玲"].pk
    assert event.details["relations"] == [{"person_id": people["陳小明"].pk, "relation": "son"}]
    assert ("ann", "registration", "陳大明", "household_members", url) in log()


def test_documents_are_uploaded_and_read_back_only_here(client, staff, world, settings):
    household = world["household"]
    client.force_login(staff["ann"])
    born = "2026-02-01"
    client.post(
        reverse("registry:new-birth", args=[household.pk]),
        {
            "effective_date": born,
            "declared_on": born,
            "name": "陳小寶",
            "sex": "F",
            "national_id": synthetic(90),
            "relation": "daughter",
        },
    )
    event = RegistrationEvent.objects.get(kind="birth")
    page = text(
        client.post(
            reverse("registry:document-upload", args=[event.pk]),
            {"kind": "birth_certificate", "file": SimpleUploadedFile("出生證明.pdf", PDF)},
            follow=True,
        )
    )
    assert "Document attached." in page
    document = event.documents.get()
    response = client.get(reverse("registry:document", args=[document.pk]))
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF
    assert ("ann", "registration", None, "event_document", reverse("registry:document", args=[document.pk])) in log()
    bad = text(
        client.post(
            reverse("registry:document-upload", args=[event.pk]),
            {"kind": "other", "file": SimpleUploadedFile("x.pdf", b"MZ not a scan")},
            follow=True,
        )
    )
    assert "file: x.pdf is not a PDF, JPEG, PNG or TIFF scan (its content says otherwise)" in bad


def test_the_applied_household_is_shown_and_membership_dates_match(client, staff, world):
    client.force_login(staff["bob"])
    person = world["people"]["陳小明"]
    page = text(client.get(reverse("registry:person", args=[person.pk]), {"purpose": "citizen"}))
    assert "2020-03-01 2024-06-01 新竹市東區光復路二段1號 O0000001 son (子)" in page
    assert Membership.objects.filter(person=person).count() == 1
    assert log()[-1] == ("bob", "citizen", "陳小明", "person_history", reverse("registry:person", args=[person.pk]))


def test_the_staff_home_links_the_registrar_to_the_queues(client, staff, family):
    client.force_login(staff["bob"])
    html = client.get("/staff/").content.decode()
    block = re.search(r'<section class="staff-section" id="role-registrar".*?</section>', html, re.S).group(0)
    found = re.findall(r'<li><a href="([^"]*)">([^<]+)</a>(?: <span class="staff-count">([^<]+)</span>)?</li>', block)
    home = reverse("registry:home")
    assert found == [
        (f"{home}#review-heading", "Registration events waiting for review", "0 waiting"),
        (f"{home}#apply-heading", "Approved events to apply", "0 waiting"),
        (f"{home}#address-heading", "Search the household register", ""),
        ("/homevisits/", "Home visits", "0 waiting"),
    ]
