"""The staff pages through Django's test client: draft, preview, submit, approve (by another), apply, print."""

from __future__ import annotations

import io
import re

from django.utils import timezone
from pypdf import PdfReader

from geo_portal.addresses.models import DoorPlate
from geo_portal.renumbering.models import Plan
from tests.accounts.factories import PASSWORD, make_staff


def login(client, user):
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_a_road_is_renamed_through_the_pages(client, world, street, staff):
    login(client, staff["clerk"])
    today = timezone.localdate()
    response = client.post(
        "/renumbering/new/",
        {
            "source": "rule",
            "kind": "rename_road",
            "title": "光復路二段更名",
            "effective_date": today.isoformat(),
            "road": str(street["road"].pk),
            "new_road_name": "建功路二段",
        },
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/renumbering/plans/{plan.pk}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd id="count-plates">11</dd>' in page
    assert '<dd id="count-households">2</dd>' in page and '<dd id="count-persons">5</dd>' in page
    assert '<td lang="zh-Hant">新竹市東區光復路二段5號3樓</td><td lang="zh-Hant">新竹市東區建功路二段5號3樓</td>' in page
    assert "No conflicts." in page and "陳大明" not in page
    client.post(f"/renumbering/plans/{plan.pk}/submit", {"version": "1"})
    # The clerk who submitted it is offered no approval; the reviewer is.
    assert 'id="approve-plan"' not in client.get(f"/renumbering/plans/{plan.pk}/").content.decode()
    login(client, staff["reviewer"])
    assert 'id="approve-plan"' in client.get(f"/renumbering/plans/{plan.pk}/").content.decode()
    client.post(f"/renumbering/plans/{plan.pk}/approve", {"version": "2"})
    login(client, staff["clerk"])
    response = client.post(f"/renumbering/plans/{plan.pk}/apply", {"version": "3"}, follow=True)
    assert "Plan applied" in response.content.decode() or "已" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "applied"
    # Afterwards the page counts the households at the new plates and finds no conflict with the plan's own plates.
    page = response.content.decode()
    assert '<dd id="count-households">2</dd>' in page and '<dd id="count-persons">5</dd>' in page
    assert 'id="conflicts-none"' in page
    assert DoorPlate.objects.active().filter(road__name="建功路二段").count() == 11
    certificates = pdf_text(client.get(f"/renumbering/plans/{plan.pk}/certificates.pdf").content)
    assert len(certificates) == 11
    first = certificates[0]
    for text in (
        "門 牌 整 編 證 明",  # the title is letter-spaced
        plan.number,
        "新竹市東區光復路二段1號",
        "新竹市東區建功路二段1號",
        f"民國{today.year - 1911}年{today.month}月{today.day}日",
        "No. 1, Sec. 2, Jiangong Rd., East Dist., Hsinchu City",
    ):
        assert text in first.replace("\n", ""), text
    letters = pdf_text(client.get(f"/renumbering/plans/{plan.pk}/letters.pdf").content)
    assert len(letters) == 12  # the delivery list and one letter per plate
    walked = re.findall(r"新門牌：(\S+?號(?:\d樓)?)", "".join(t.replace("\n", "") for t in letters[1:]))
    assert [w.removeprefix("新竹市東區建功路二段") for w in walked] == [
        "1號",
        "3號",
        "5號",
        "5號2樓",
        "5號3樓",
        "7號",
        "9號",
        "8之1號",
        "6號",
        "4號",
        "2號",
    ]


def test_a_bad_draft_shows_its_fields_and_others_are_refused(client, street, staff):
    login(client, staff["clerk"])
    response = client.post(
        "/renumbering/new/",
        {
            "source": "rule",
            "kind": "renumber",
            "title": "x",
            "effective_date": "2026-13-01",
            "road": str(street["road"].pk),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert (
        "effective_date: &#x27;2026-13-01&#x27; is not a date of the calendar (month 13, day 1)" in response.content.decode()
    )
    response = client.post(
        "/renumbering/new/",
        {
            "source": "csv",
            "title": "x",
            "effective_date": "115/12/01",
            "file": io.BytesIO("old_address,new_address\n光復路二段99號,光復路二段1號\n".encode()),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "row 2.old_address: 光復路二段99號 is not an active door plate" in response.content.decode()
    assert Plan.objects.count() == 0
    login(client, make_staff("sue", "surveyor"))  # no renumbering role
    assert client.get("/renumbering/").status_code == 403
    client.logout()
    assert client.get("/renumbering/")["Location"].startswith("/staff/login/")


def test_the_drafting_map_reads_the_roads_plates(client, street, staff):
    login(client, staff["clerk"])
    data = client.get(f"/renumbering/roads/{street['road'].pk}/plates.geojson").json()
    assert len(data["features"]) == 11
    first = data["features"][0]
    assert first["properties"] == {"id": street["plates"][1].pk, "address": "光復路二段1號", "number": 1, "lane": ""}
