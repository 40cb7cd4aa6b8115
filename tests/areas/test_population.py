"""Monthly village reports: layout checks naming the line, sums that must add up, month replacement."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from geo_portal.areas.models import VillagePopulation
from geo_portal.areas.population import import_population
from geo_portal.ingest.errors import ImportRefused
from tests.conftest import require_real_data

HEADER = "區域代碼,區域別,村里數_現有門牌,村里數_戶籍登記,鄰數_現有門牌,鄰數_戶籍登記,戶數,性別,人口數"


def report(tmp_path, body: str, month: str = "中華民國115年06月") -> object:
    path = tmp_path / "r.csv"
    path.write_text(f"\ufeff公開類,,編製機關\n月報\n月統計報表之1\n{month}\nRRRP03310\n{HEADER}\n{body}", encoding="utf-8")
    return path


GOOD = """10018010,東區,,,,,,計,30
10018010,東區,2,2,5,5,12,男,14
10018010,東區,,,,,,女,16
10018010001,甲里,,,,,,計,10
10018010001,甲里,1,1,2,2,4,男,5
10018010001,甲里,,,,,,女,5
10018010002,乙里,,,,,,計,20
10018010002,乙里,1,1,3,3,8,男,9
10018010002,乙里,,,,,,女,11
"""


def test_month_is_imported_and_replaced(areas, tmp_path):
    result = import_population(households_path=report(tmp_path, GOOD))
    assert (result.month, result.counts) == (datetime.date(2026, 6, 1), {"villages": 2, "skipped": 0, "residents": 30})
    rows = list(
        VillagePopulation.objects.order_by("village__code").values_list(
            "village__name", "households", "population", "male", "female", "neighborhoods"
        )
    )
    assert rows == [("甲里", 4, 10, 5, 5, 2), ("乙里", 8, 20, 9, 11, 3)]
    import_population(
        households_path=report(
            tmp_path,
            GOOD.replace(",9\n", ",10\n").replace(",20\n", ",21\n").replace(",14\n", ",15\n").replace(",30\n", ",31\n"),
        )
    )
    assert VillagePopulation.objects.get(village__name="乙里").population == 21
    assert VillagePopulation.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "month", "message"),
    [
        (GOOD, "民國115年", r"no 中華民國YYY年MM月 line before the header \(line 6\)"),
        (GOOD, "中華民國115年13月", r"line 4: month 13 does not exist"),
        (GOOD.replace(",男,5\n", ",男,6\n"), "中華民國115年06月", r"line 10: 10018010001 計 10 ≠ 男 6 \+ 女 5"),
        (
            GOOD.replace("甲里,,,,,,女", "甲里,,,,,,男"),
            "中華民國115年06月",
            r"line 10: expected rows 計, 男, 女 of one area, found 計, 男, 男 for 10018010001",
        ),
        (GOOD.replace(",8,男", ",x,男"), "中華民國115年06月", r"line 14: 戶數 is 'x', not a count"),
        (
            GOOD.replace(",12,男", ",13,男"),
            "中華民國115年06月",
            r"district 10018010 reports 30 residents in 13 households, but its villages add up to 30 in 12",
        ),
        ("\n".join(GOOD.splitlines()[:-1]), "中華民國115年06月", r"line 13: the file ends in the middle"),
    ],
)
def test_bad_reports_are_refused_naming_the_line(areas, tmp_path, body, month, message):
    with pytest.raises(ImportRefused, match=message):
        import_population(households_path=report(tmp_path, body, month))
    assert VillagePopulation.objects.count() == 0


@pytest.mark.realdata
def test_real_june_2026_reports(loaded_real, db):
    real = require_real_data() / "population"
    result = import_population(
        households_path=real / "hccg_RRRP03310_village_households_population_11506.csv",
        ages_path=real / "hccg_RRRP03360_village_population_by_age_11506.csv",
    )
    assert (result.month, result.counts) == (
        datetime.date(2026, 6, 1),
        {"villages": 122, "skipped": 0, "residents": 455_755},
    )
    east = VillagePopulation.objects.filter(village__district__code="10018010")
    assert east.count() == 53
    assert east.aggregate(p=Sum("population"), h=Sum("households")) == {"p": 221_916, "h": 92_585}
    nanmen = east.get(village__code="10018010001")
    assert (nanmen.population, nanmen.households, nanmen.neighborhoods) == (749, 399, 14)
    assert sum(nanmen.age_male) + sum(nanmen.age_female) == 749
    assert sum(nanmen.age_male[:5]) + sum(nanmen.age_female[:5]) == 15  # tidy extract: age_0-4 = 15
