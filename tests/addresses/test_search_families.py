"""Real plates written in every family of ``support.address_forms``: per-family top-1 floors and no confident answer to
an address that does not exist (the same evaluation ``make bench`` prints, on fewer plates per family)."""

from __future__ import annotations

import pytest
from django.utils import translation

from geo_portal.addresses.models import ZipCodeRule
from geo_portal.addresses.search import geocode
from geo_portal.addresses.search.gazetteer import road_names_file
from support.address_forms import FAMILIES, NONEXISTENT_KINDS
from support.search_eval import evaluate, national_road_names, other_areas, plate_records

pytestmark = pytest.mark.realdata

PER_FAMILY = 200
# What each family must reach (measured 99.6–100 % on 1,000 plates each; a floor a little below, so that a regression
# fails and the seeded sample's luck does not). English loses plates whose English names two roads (Yumin St. is
# 育民街 and 裕民街) or leaves out an area on a road; 號 left out between number and floor is ambiguous where two splits
# exist (介壽一路214樓: 2號14樓 or 21號4樓).
FLOORS = {family.name: 0.995 for family in FAMILIES} | {
    "號 missing": 0.98,
    "English MOI": 0.985,
    "informal English": 0.97,
    "road type word omitted": 0.99,
}


@pytest.fixture(scope="module")
def evaluation(loaded_real, django_db_blocker):
    with django_db_blocker.unblock(), translation.override("en"):
        records = plate_records("10018010")
        local = {r.road_base for r in records}
        foreign = [n for n in national_road_names(road_names_file()) if n not in local]
        covered = {(r.county, r.district) for r in records}
        pairs = sorted(set(ZipCodeRule.objects.values_list("county", "district")) | covered)
        return evaluate(
            geocode, records, per_family=PER_FAMILY, seed=15, foreign_roads=foreign, areas=other_areas(pairs, covered)
        )


@pytest.mark.parametrize("family", [f.name for f in FAMILIES])
def test_every_written_form_finds_the_plate(evaluation, family):
    assert evaluation.counts[family] == (99 if family == "褔/福 typo" else PER_FAMILY)  # 99 plates have a 福
    assert evaluation.top1[family] >= FLOORS[family], evaluation.misses[family][:5]


def test_overall_top1(evaluation):
    assert evaluation.overall >= 0.995


@pytest.mark.parametrize("kind", NONEXISTENT_KINDS)
def test_addresses_that_do_not_exist_get_no_confident_answer(evaluation, kind):
    assert evaluation.nonexistent[kind] == {"n": PER_FAMILY, "confident": 0}, evaluation.confident_nonexistent


def test_honest_answers_on_the_real_district(loaded_real, db):
    with translation.override("en"):
        taipei = geocode("臺北市中正區光復路二段101號")
        north = geocode("新竹市北區光復路二段101號")
        road = geocode("新竹市東區中清路二段10號")
    assert (taipei.grade, taipei.hits, taipei.outside.recognised, taipei.suggestions) == ("none", [], "臺北市中正區", [])
    assert (north.grade, north.hits, north.suggestions) == ("none", [], ["新竹市東區光復路二段101號"])
    assert (road.grade, road.hits, road.outside.recognised) == ("none", [], "中清路二段")
    assert road.outside.elsewhere[:2] == ["新竹市北區", "臺中市北區"]  # the 3+3 zip-code rules say where it lies
