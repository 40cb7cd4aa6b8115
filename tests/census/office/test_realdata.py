"""The office's dashboard reads on the whole real district split into tasks: the task map's GeoJSON (built by
PostGIS, thousands of tasks) and the per-village progress come back complete. Their times are measured by
``bench/census.py`` (no timings in unit tests: this one once read 12 s for the progress in a loaded CI run, 0.14–0.21 s
alone)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from geo_portal.areas.models import District, Village
from geo_portal.census.office.selectors import campaign_tasks_geojson, findings_by_kind, village_progress
from geo_portal.census.services import campaign_create, campaign_split
from tests.accounts.factories import make_staff

pytestmark = pytest.mark.realdata


def test_whole_district_task_map_and_progress_are_complete(loaded_real, db):
    district = District.objects.get(code="10018010")
    sup = make_staff("real-office-sup", "census_supervisor")
    villages = list(Village.objects.filter(district=district, boundary__isnull=False))
    campaign = campaign_create(name="全區清查", district=district, villages=villages, starts_on=dt.date(2026, 12, 1),
                               ends_on=dt.date(2027, 3, 31), created_by=sup, target_min_stops=10,
                               target_max_stops=25, fold_max_stops=8)  # fmt: skip
    summary = campaign_split(campaign_id=campaign.pk, actor=sup)
    assert summary.tasks >= 2000  # smaller tasks than the default: the supervisor's map at its largest

    text = campaign_tasks_geojson(campaign.pk)
    data = json.loads(text)
    assert len(data["features"]) == summary.tasks
    assert len(text) < 12 * 1024 * 1024

    progress = village_progress(campaign.pk)
    assert sum(v.stops for v in progress) == summary.stops
    assert all(v.checked == 0 for v in progress)
    assert len(progress) >= len(villages) - 1
    assert sum(k.total for k in findings_by_kind(campaign.pk)) == 0
