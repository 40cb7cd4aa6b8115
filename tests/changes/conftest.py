"""Fixtures for change-log tests: committed areas and a road (the feed only shows committed transactions)."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from geo_portal.areas.models import Road
from tests.conftest import X0, Y0


@pytest.fixture
def committed(areas):
    """The ``areas`` fixture plus a district boundary and a road, in a transactional (committing) test."""
    district = areas["district"]
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    road = Road.objects.create(district=district, name="光復路二段", base_name="光復路", section=2)
    return {**areas, "road": road}
