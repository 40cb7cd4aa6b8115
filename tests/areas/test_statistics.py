"""The published village statistics: the small-numbers rule in the view, the selectors, and no way around them.

Exact figures on both sides of the threshold: a village at ``MIN_PUBLISHED_HOUSEHOLDS - 1`` households is withheld,
one at the threshold is published unchanged. If the view and ``core.privacy`` disagree (the constant changed without
a migration replacing the view), these tests fail.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection

from geo_portal.areas.models import District, Village, VillagePopulation
from geo_portal.areas.statistics import MonthTotals, VillageFigures, month_totals, population_months, village_figures
from geo_portal.core.privacy import MIN_PUBLISHED_HOUSEHOLDS as MIN
from tests.conftest import X0, Y0, square

MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
ROOT = Path(__file__).resolve().parents[2]


def report(village: Village, month: dt.date, households: int, male: int, female: int, ages: bool = False) -> None:
    VillagePopulation.objects.create(
        village=village,
        month=month,
        neighborhoods=4,
        neighborhoods_with_plates=3,
        households=households,
        population=male + female,
        male=male,
        female=female,
        age_male=[1] * 101 if ages else None,
        age_female=[2] * 101 if ages else None,
        source="test",
    )


@pytest.fixture
def reported(areas):
    c = Village.objects.create(
        code="10018010003",
        district=areas["district"],
        name="丙里",
        name_en="Bing Vil.",
        boundary=square(X0, Y0 - 1000, 1000),
    )
    report(areas["a"], MAY, MIN, 4, 3)  # at the threshold: published
    report(areas["b"], MAY, MIN - 1, 2, 1, ages=True)  # one below: withheld, ages too
    report(areas["a"], JUNE, MIN + 40, 50, 61, ages=True)
    report(c, JUNE, 1, 1, 0)
    return {**areas, "c": c}


def view_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.code, s.month, s.neighborhoods, s.households, s.population, s.male, s.female, "
            "s.age_male IS NOT NULL, s.age_female IS NOT NULL, s.has_ages, s.suppressed "
            "FROM areas_village_stats_public_v s JOIN areas_village v ON v.id = s.village_id ORDER BY s.month, v.code"
        )
        return cursor.fetchall()


def test_the_view_withholds_every_figure_below_the_threshold_and_nothing_at_it(reported):
    assert view_rows() == [
        ("10018010001", MAY, 4, MIN, 7, 4, 3, False, False, False, False),
        ("10018010002", MAY, 4, None, None, None, None, False, False, True, True),
        ("10018010001", JUNE, 4, MIN + 40, 111, 50, 61, True, True, True, False),
        ("10018010003", JUNE, 4, None, None, None, None, False, False, False, True),
    ]


def test_village_figures_of_a_month(reported):
    a, b, c = reported["a"].pk, reported["b"].pk, reported["c"].pk
    assert village_figures(month=MAY) == {
        a: VillageFigures(a, MAY, households=MIN, population=7, male=4, female=3, suppressed=False),
        b: VillageFigures(b, MAY, households=None, population=None, male=None, female=None, suppressed=True),
    }
    assert list(village_figures(month=JUNE)) == [a, c] and village_figures(month=JUNE)[c].suppressed
    assert village_figures(month=dt.date(2025, 1, 1)) == {} and village_figures(month=None) == {}


def test_months_and_totals_of_the_published_villages(reported):
    """A withheld village is left out of the totals and counted: with it, the total minus the published village
    would be its figures (May: 乙里's MIN - 1 households and 3 residents)."""
    assert population_months() == [MAY, JUNE]
    assert month_totals() == [
        MonthTotals(month=MAY, households=MIN, population=7, male=4, female=3, villages=1, withheld=1),
        MonthTotals(month=JUNE, households=MIN + 40, population=111, male=50, female=61, villages=1, withheld=1),
    ]


def test_a_month_with_every_village_withheld_has_empty_totals(reported):
    july = dt.date(2026, 7, 1)
    report(reported["b"], july, MIN - 1, 3, 2)
    assert population_months() == [MAY, JUNE, july]
    assert month_totals()[-1] == MonthTotals(july, households=0, population=0, male=0, female=0, villages=0, withheld=1)


def test_every_published_total_is_the_sum_of_the_published_village_figures(reported):
    """No total carries anything the published village figures do not: differencing reveals nothing."""
    report(reported["b"], JUNE, MIN + 1, 2, 2)  # June: 甲里 and 乙里 published, 丙里 withheld
    totals = month_totals()
    assert [t.month for t in totals] == population_months() == [MAY, JUNE]
    for total in totals:
        figures = village_figures(month=total.month).values()
        shown = [f for f in figures if not f.suppressed]
        assert total == MonthTotals(
            month=total.month,
            households=sum(f.households for f in shown),
            population=sum(f.population for f in shown),
            male=sum(f.male for f in shown),
            female=sum(f.female for f in shown),
            villages=len(shown),
            withheld=len(figures) - len(shown),
        )
    assert [(t.villages, t.withheld, t.population) for t in totals] == [(1, 1, 7), (2, 1, 115)]


def test_no_module_outside_areas_reads_the_raw_figures():
    """The model and its table are named only in areas (the view and the selectors): any other reader bypasses
    the rule."""
    raw = re.compile(r"\bVillagePopulation\b|\bareas_villagepopulation\b|\bpopulation__")
    # The household register (staff only, every read logged) is generated to match every village's reported
    # figures and compared with them, small villages included; nothing of it reaches a public page.
    allowed = ("geo_portal/registry/", "geo_portal/demo/registry_demo.py")
    found = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "geo_portal").rglob("*.py"))
        if path.relative_to(ROOT).parts[1] != "areas" and raw.search(path.read_text(encoding="utf-8"))
    ]
    assert [path for path in found if not path.startswith(allowed)] == []


def test_totals_of_one_district_leave_the_other_districts_out(reported):
    """The monthly reports cover a whole city; a district's page adds up that district's villages only."""
    north = District.objects.create(
        code="10018020", registry_code="1001802", county=reported["county"], name="北區", name_en="North Dist."
    )
    d = Village.objects.create(code="10018020001", district=north, name="丁里", name_en="Ding Vil.")
    report(d, JUNE, 500, 600, 700)
    east = month_totals(district_id=reported["district"].pk)
    assert east == [
        MonthTotals(month=MAY, households=MIN, population=7, male=4, female=3, villages=1, withheld=1),
        MonthTotals(month=JUNE, households=MIN + 40, population=111, male=50, female=61, villages=1, withheld=1),
    ]
    assert month_totals(district_id=north.pk) == [
        MonthTotals(month=JUNE, households=500, population=1300, male=600, female=700, villages=1, withheld=0)
    ]
    assert month_totals()[-1].population == 111 + 1300  # without a district: every village that reported
