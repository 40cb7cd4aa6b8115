"""The household transcript (selector, PDF, page) and the supervisors' access-log pages (flags, the per-person
report of reads, on screen and as a PDF): who may see them, what they show, and that each is a logged read."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from pypdf import PdfReader

from geo_portal.registry.access import Access
from geo_portal.registry.errors import AccessDenied, RegistryRefused
from geo_portal.registry.models import AccessLog
from geo_portal.registry.national_id import synthetic
from geo_portal.registry.transcript import Annotation, household_transcript
from tests.accounts.factories import make_staff
from tests.registry.conftest import login

TPE = ZoneInfo("Asia/Taipei")


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def ada(db):
    return make_staff("ada", "administrator")


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def log() -> list[tuple]:
    return list(AccessLog.objects.order_by("id").values_list("username", "purpose", "person__name", "selector", "fields"))


def test_the_transcript_reads_members_with_ids_and_annotations_and_logs_each(world, staff):
    h = world["household"]
    access = Access(user=staff["bob"], purpose="certificate", endpoint="/t", note="counter 3")
    t = household_transcript(household_id=h.pk, access=access, annotations=True)
    assert (t.number, t.kind, t.established) == ("O0000001", "living", dt.date(2020, 3, 1))
    assert t.address == world["plates"]["5F2"].address
    assert [(m.name, m.relation, m.national_id, m.since) for m in t.members] == [
        ("陳大明", "head", synthetic(1), dt.date(2020, 3, 1)),
        ("林美玲", "spouse", synthetic(2), dt.date(2020, 3, 1)),
        ("陳小明", "son", synthetic(3), dt.date(2020, 3, 1)),
    ]
    moved_in, moved = world["event"].pk, world["event"].pk + 2  # the family's move-in, then its address change
    assert [[(a.event_id, a.kind, a.effective_date) for a in m.annotations] for m in t.members] == [
        [(moved_in, "move_in", dt.date(2020, 3, 1)), (moved, "address_change", dt.date(2024, 6, 1))]
    ] * 3
    fields = ["name", "sex", "birth_date", "death_date", "national_id", "relation", "household", "address", "annotations"]
    assert log() == [("bob", "certificate", n, "household_transcript", fields) for n in ("陳大明", "林美玲", "陳小明")]
    plain = household_transcript(household_id=h.pk, access=access, annotations=False)
    assert [m.annotations for m in plain.members] == [(), (), ()]
    assert AccessLog.objects.order_by("-id").values_list("fields", flat=True).first() == fields[:-1]
    with pytest.raises(AccessDenied):
        household_transcript(household_id=h.pk, access=Access(user=staff["clerk"], purpose="certificate", endpoint="/t"),
                             annotations=False)  # fmt: skip
    with pytest.raises(RegistryRefused) as refused:
        household_transcript(household_id=h.pk, access=access, annotations=False, on=dt.date(2019, 1, 1))
    assert [str(e) for e in refused.value.errors] == ["on: household O0000001 was not registered on 2019-01-01"]
    assert isinstance(t.members[0].annotations[0], Annotation)


def test_the_transcript_page_asks_the_purpose_then_gives_the_pdf_with_roc_dates(client, world, staff):
    h = world["household"]
    url = reverse("registry:transcript", args=[h.pk])
    login(client, staff["clerk"])
    assert client.get(url).status_code == 403
    login(client, staff["ann"])
    page = client.get(url)
    assert page.status_code == 200 and "Why do you read this personal data?" in text(page)
    assert AccessLog.objects.count() == 0
    response = client.get(url, {"purpose": "certificate", "annotations": "on"})
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'inline; filename="transcript-O0000001.pdf"'
    body = pdf_text(response.content)
    assert "戶籍謄本（含記事）" in body and "O0000001" in body and synthetic(2) in body
    assert "民國69年5月1日" in body  # 陳大明's birth, 1980-05-01
    assert "民國109年3月1日遷入登記" in body and "民國113年6月1日住址變更登記" in body
    assert "合成資料" in body
    assert {r[3] for r in log()} == {"household_transcript"} and len(log()) == 3
    plain = pdf_text(client.get(url, {"purpose": "certificate"}).content)
    assert "戶籍謄本（不含記事）" in plain and "遷入登記" not in plain


def test_the_access_log_pages_are_for_administrators_not_registrars(client, world, staff, ada):
    login(client, staff["bob"])
    for name in ("registry:audit-log", "registry:audit-person"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "This page is for supervisors of the household register's access log." in text(response)
    login(client, ada)
    assert client.get(reverse("registry:audit-log")).status_code == 200
    # The administrator reads no personal data through the registrars' pages.
    assert client.get(reverse("registry:plate", args=[world["plates"][1].pk])).status_code == 403


def test_the_log_page_lists_reads_and_flags_reading_outside_office_hours(client, world, staff, ada):
    people = world["people"]
    saturday = dt.datetime(2026, 3, 7, 11, 0, tzinfo=TPE)
    for at, who in ((saturday, staff["ann"]), (dt.datetime(2026, 3, 6, 10, 0, tzinfo=TPE), staff["bob"])):
        AccessLog.objects.create(at=at, user=who, username=who.get_username(), purpose="registration",
                                 person=people["陳大明"], fields=["name"], selector="residents_on",
                                 endpoint="/registry/plates/1/", request_id="r1")  # fmt: skip
    login(client, ada)
    page = text(client.get(reverse("registry:audit-log"), {"start": "2026-03-06", "end": "2026-03-07"}))
    assert "2 reads" in page
    assert "outside office hours ann 2026-03-07 11:00:00 1" in page
    assert "many persons in a short time" not in page
    assert page.index("2026-03-07 11:00:00 ann") < page.index("2026-03-06 10:00:00 bob")
    assert "陳大明" not in page  # ids only
    only_bob = text(client.get(reverse("registry:audit-log"), {"start": "2026-03-06", "end": "2026-03-07",
                                                               "username": "bob"}))  # fmt: skip
    assert "1 read" in only_bob and "Nothing unusual in this period." in only_bob
    bad = text(client.get(reverse("registry:audit-log"), {"start": "2026-03-07", "end": "2026-03-06"}))
    assert "must not be before the start" in bad


def test_a_person_report_lists_who_read_and_why_and_is_itself_logged(client, world, staff, ada):
    h = world["household"]
    household_transcript(household_id=h.pk, access=Access(user=staff["bob"], purpose="certificate", endpoint="/t",
                                                          note="counter 3"), annotations=False)  # fmt: skip
    before = AccessLog.objects.count()
    login(client, ada)
    url = reverse("registry:audit-person")
    page = text(client.post(url, {"national_id": synthetic(1), "purpose": "citizen", "note": "asked at the counter"}))
    masked = synthetic(1)[:2] + "*****" + synthetic(1)[-3:]
    assert f"Reads of the data of 陳大明 ({masked})" in page
    assert "bob transcript or certificate (謄本核發) counter 3" in page
    assert AccessLog.objects.count() == before + 1
    last = AccessLog.objects.order_by("-id").first()
    assert (last.username, last.purpose, last.person.name, last.selector, last.fields, last.note) == (
        "ada",
        "citizen",
        "陳大明",
        "person_report",
        ["national_id", "name", "birth_date"],
        "asked at the counter",
    )
    pdf = client.post(url, {"national_id": synthetic(1), "purpose": "citizen", "pdf": "1"})
    assert pdf["Content-Type"] == "application/pdf" and "no-store" in pdf["Cache-Control"]
    body = pdf_text(pdf.content)
    assert "Who read your household registration data, and why" in body and masked in body
    assert "謄本核發" in body and "bob" in body and "person_report" not in body
    assert "民國" in body and synthetic(1) not in body
    miss = text(client.post(url, {"national_id": synthetic(77), "purpose": "audit"}))
    assert "No person in the register holds this national ID." in miss
    refused = text(client.post(url, {"national_id": "A123", "purpose": "citizen"}))
    assert "national_id: must be 10 characters: a region letter and 9 digits" in refused
