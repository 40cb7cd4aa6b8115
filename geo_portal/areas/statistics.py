"""Selectors of the published village population statistics: the small-numbers rule is applied once, here.

A village with fewer than ``core.privacy.MIN_PUBLISHED_HOUSEHOLDS`` households has its household, resident, sex
and age figures withheld (``None``, ``suppressed=True``). The rule is written in one place, the read view
``areas_village_stats_public_v`` that areas declares (migration ``0005_village_stats_public_view``): the selectors
below read it for Python callers (the public statistics page and its CSV/GeoJSON downloads), and the bulk SQL
readers (``exports.layers``, ``analytics.layers``) join it. No other app reads ``areas_villagepopulation``.

Totals follow the same rule: ``month_totals`` adds up the published villages (of one district, when asked) only
and counts the withheld ones, since a total over every village minus the published ones would reveal a withheld
village (differencing). Readers that add figures up themselves (notebooks, GeoPandas users) get the same result
by summing what is published.

Runs on the ``SEARCH_DB`` connection, like the other public reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from geo_portal.areas import sql


@dataclass(frozen=True)
class VillageFigures:
    """One village's published figures for one month; ``None`` where the rule withholds them."""

    village_id: int
    month: dt.date
    households: int | None
    population: int | None
    male: int | None
    female: int | None
    suppressed: bool


@dataclass(frozen=True)
class MonthTotals:
    """Sums of one month over the published villages only, and how many villages were withheld.

    A withheld village is left out of the sums (otherwise the sums minus the published villages would give its
    figures away); ``villages`` counts the published villages that were added up, ``withheld`` the others, so
    that every reader can say "totals of the villages shown; N withheld". For every month the sums equal the
    sums of the published ``village_figures``.
    """

    month: dt.date
    households: int
    population: int
    male: int
    female: int
    villages: int
    withheld: int


def population_months() -> list[dt.date]:
    """Months with statistics, oldest first."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(sql.MONTHS)
        return [row[0] for row in cursor.fetchall()]


def month_totals(*, district_id: int | None = None) -> list[MonthTotals]:
    """Totals of the published villages per loaded month, oldest first (the time series).

    With ``district_id``, of that district's villages only (what a page about one district shows); without it,
    of every village that reported, whatever its district.
    """
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(sql.MONTH_TOTALS, {"district": district_id})
        return [MonthTotals(*row) for row in cursor.fetchall()]


def village_figures(*, month: dt.date | None) -> dict[int, VillageFigures]:
    """Published figures of every village that reported for ``month``, by village id (empty for ``None``)."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(sql.VILLAGE_FIGURES, {"month": month})
        return {row[0]: VillageFigures(*row) for row in cursor.fetchall()}
