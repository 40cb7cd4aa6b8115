"""The census in the Django admin: read-only for administrators (view, never add, change or delete), closed to
the census roles, which work in the office pages."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from geo_portal.census.sync import attach_photo
from tests.accounts.factories import PASSWORD, make_staff
from tests.census.office.conftest import uid

pytestmark = pytest.mark.django_db

MODELS = ["campaign", "task", "stop", "tasktransition", "fielddevice", "finding", "proposal"]


def test_administrators_view_the_census_read_only(submitted, client):
    make_staff("ada", "administrator")
    assert client.login(username="ada", password=PASSWORD)
    index = client.get("/admin/census/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for model in MODELS:
        assert f'href="/admin/census/{model}/"' in index
        assert client.get(f"/admin/census/{model}/").status_code == 200, model
        assert client.get(f"/admin/census/{model}/add/").status_code == 403, model
    finding = submitted["f1"]
    page = client.get(f"/admin/census/finding/{finding.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in html and "the plate changed since it was downloaded" in html
    assert client.post(f"/admin/census/finding/{finding.pk}/change/", {"kind": "ok"}).status_code == 403
    assert client.post(f"/admin/census/finding/{finding.pk}/delete/", {"post": "yes"}).status_code == 403
    campaign = client.get(f"/admin/census/campaign/{finding.task.campaign_id}/change/").content.decode()
    assert f'href="/census/campaigns/{finding.task.campaign_id}/"' in campaign


def test_census_roles_work_in_the_office_pages_not_the_admin(submitted, client):
    assert client.login(username="sup1", password=PASSWORD)
    assert client.get("/admin/census/finding/").status_code == 302  # not admin staff: to the admin login


def test_administrators_open_finding_photos_through_the_staff_view(submitted, staff, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 200, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    attach_photo(user=staff["surveyor"], finding_uuid=uid(2), upload=buffer)
    make_staff("ada", "administrator")
    assert client.login(username="ada", password=PASSWORD)
    url = f"/census/findings/{submitted['f2'].pk}/photo"
    html = client.get(f"/admin/census/finding/{submitted['f2'].pk}/change/").content.decode()
    assert f'<a href="{url}">' in html
    assert client.get(url)["Content-Type"] == "image/jpeg"
