"""SQL of the areas selectors: the published village statistics (``areas.statistics``).

Per-village figures are read from ``areas_village_stats_public_v`` (migration ``0005_village_stats_public_view``),
which applies the small-numbers rule; only the month list and the district totals read the table itself.
"""

MONTHS = "SELECT DISTINCT month FROM areas_villagepopulation ORDER BY month"

MONTH_TOTALS = """
SELECT month, sum(households), sum(population), sum(male), sum(female), count(*)
FROM areas_villagepopulation GROUP BY month ORDER BY month"""

VILLAGE_FIGURES = """
SELECT village_id, month, households, population, male, female, suppressed
FROM areas_village_stats_public_v WHERE month = %(month)s ORDER BY village_id"""
