"""The clerk's proposals page: open proposals with the written address, the point and the photo; confirm with the
address as parsed (a new plate, or the plate's address changed), reject with a note; clerks only."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from PIL import Image

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Proposal
from geo_portal.census.review import finding_accept
from geo_portal.census.sync import attach_photo
from tests.census.office.conftest import uid

pytestmark = pytest.mark.django_db


def shown(response) -> list[str]:
    html = response.content.decode()
    return [unescape(m) for m in re.findall(r'<p class="census-message[^"]*" role="\w+">(.*?)</p>', html, re.S)]


@pytest.fixture
def proposals(submitted, staff):
    """The accepted "number differs" (5號2樓 reads 5號3樓) and "unregistered plate" (光復路二段13號) findings."""
    p4 = Proposal.objects.get(finding=finding_accept(finding_id=submitted["f4"].pk, user=staff["supervisor"]))
    p5 = Proposal.objects.get(finding=finding_accept(finding_id=submitted["f5"].pk, user=staff["supervisor"]))
    return {"number": p4, "unregistered": p5, **submitted}


def test_clerks_see_the_open_proposals_with_address_point_and_map(proposals, as_user):
    html = unescape(as_user("clerk").get("/census/proposals/").content.decode())
    items = re.findall(r'<li id="proposal-(\d+)" class="census-proposal"[^>]*data-lon="([\d.]+)" data-lat="([\d.]+)"', html)
    assert [int(pk) for pk, _lon, _lat in items] == [proposals["number"].pk, proposals["unregistered"].pk]
    assert all(len(lon.split(".")[1]) == 6 and len(lat.split(".")[1]) == 6 for _pk, lon, lat in items)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "1. number differs Written on the plate 光復路二段5號3樓 Registered plate 新竹市東區光復路二段5號2樓" in text
    assert "2. unregistered plate found Written on the plate 光復路二段13號" in text
    assert 'id="proposals-map"' in html
    for role in ("supervisor", "surveyor"):
        assert as_user(role).get("/census/proposals/").status_code == 403


def test_confirm_creates_the_plate_and_changes_the_number(proposals, as_user):
    clerk = as_user("clerk")
    response = clerk.post(
        f"/census/proposals/{proposals['unregistered'].pk}/confirm", {"address": "光復路二段13號"}, follow=True
    )
    assert shown(response) == [f"Proposal {proposals['unregistered'].pk} confirmed: 新竹市東區光復路二段13號."]
    created = DoorPlate.objects.get(address="新竹市東區光復路二段13號")
    assert (created.status, created.updated_by) == ("active", "clerk1")
    response = clerk.post(
        f"/census/proposals/{proposals['number'].pk}/confirm", {"address": "光復路二段5號3樓"}, follow=True
    )
    assert shown(response) == [f"Proposal {proposals['number'].pk} confirmed: 新竹市東區光復路二段5號3樓."]
    assert DoorPlate.objects.get(pk=proposals["f4"].plate_id).address == "新竹市東區光復路二段5號3樓"
    assert "No proposal is waiting." in response.content.decode()


def test_refusals_are_shown_and_nothing_changes(proposals, as_user):
    clerk = as_user("clerk")
    pk = proposals["unregistered"].pk
    response = clerk.post(f"/census/proposals/{pk}/confirm", {"address": "民族路"}, follow=True)
    assert shown(response) == ["'民族路' is not an address with a number (號)."]
    response = clerk.post(f"/census/proposals/{pk}/confirm", {"address": "民族路3號"}, follow=True)
    assert shown(response) == ["There is no road 民族路 in this district."]
    response = clerk.post(f"/census/proposals/{pk}/reject", {"note": ""}, follow=True)
    assert shown(response) == ["Say why the proposal is rejected."]
    assert Proposal.objects.get(pk=pk).status == "open"
    response = clerk.post(f"/census/proposals/{pk}/reject", {"note": "現場為臨時招牌"}, follow=True)
    assert shown(response) == [f"Proposal {pk} rejected."]
    assert (Proposal.objects.get(pk=pk).status, Proposal.objects.get(pk=pk).note) == ("rejected", "現場為臨時招牌")
    response = clerk.post(f"/census/proposals/{pk}/confirm", {"address": "光復路二段13號"}, follow=True)
    assert shown(response) == [f"Proposal {pk} is not open."]
    assert as_user("supervisor").post(f"/census/proposals/{pk}/reject", {"note": "x"}).status_code == 403


def test_clerks_see_the_photo_of_a_finding_behind_a_proposal(proposals, staff, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 30, 200)).save(buffer, "JPEG")
    buffer.seek(0)
    attach_photo(user=staff["surveyor"], finding_uuid=uid(5), upload=buffer)
    url = f"/census/findings/{proposals['f5'].pk}/photo"
    response = as_user("clerk").get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    html = as_user("clerk").get("/census/proposals/").content.decode()
    assert f'<img class="census-photo" src="{url}" alt="Photo of proposal 2" width="160" height="120">' in html
    forbidden = as_user("clerk").get(f"/census/findings/{proposals['f3'].pk}/photo")  # no proposal behind it
    assert forbidden.status_code == 403
    assert "Clerks see the photos of findings behind a proposal only." in forbidden.content.decode()
