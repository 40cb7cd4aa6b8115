"""The demo census campaign: created once over the smallest village with enough plates, split and open."""

from __future__ import annotations

from geo_portal.census.models import Campaign
from geo_portal.demo.census_demo import DEMO_NAME, ensure_demo_campaign
from tests.accounts.factories import make_staff
from tests.census.conftest import street  # noqa: F401 — a fixture


def test_demo_campaign_is_created_once_split_and_open(street):  # noqa: F811
    assert ensure_demo_campaign(min_plates=5) is None  # no supervisor login yet
    make_staff("supervisor", "census_supervisor")
    campaign = ensure_demo_campaign(min_plates=5)
    assert (campaign.name, campaign.status, list(campaign.villages.all())) == (DEMO_NAME, "active", [street["a"]])
    assert [t.label for t in campaign.tasks.order_by("number")] == ["光復路二段 單號 1–11", "光復路二段 雙號 2–8"]
    assert ensure_demo_campaign(min_plates=5) == campaign
    assert Campaign.objects.count() == 1
