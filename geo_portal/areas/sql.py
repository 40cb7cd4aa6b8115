"""SQL of the areas selectors: the published village statistics (``areas.statistics``).

Everything is read from ``areas_village_stats_public_v`` (migration ``0005_village_stats_public_view``), which
applies the small-numbers rule; nothing here reads the table. The monthly totals add up the published villages
only: a total that included a withheld village would give its figures away as the total minus the published
villages (a differencing attack). They count the withheld villages instead, so that readers can say so.
"""

MONTHS = "SELECT DISTINCT month FROM areas_village_stats_public_v ORDER BY month"

# A month whose villages are all withheld still has a row: zero published villages, sums of zero. With a district,
# only its villages are added up (a page about one district must not show the whole city's figures).
MONTH_TOTALS = """
SELECT month,
       coalesce(sum(households) FILTER (WHERE NOT suppressed), 0),
       coalesce(sum(population) FILTER (WHERE NOT suppressed), 0),
       coalesce(sum(male) FILTER (WHERE NOT suppressed), 0),
       coalesce(sum(female) FILTER (WHERE NOT suppressed), 0),
       count(*) FILTER (WHERE NOT suppressed),
       count(*) FILTER (WHERE suppressed)
FROM areas_village_stats_public_v
WHERE %(district)s::bigint IS NULL OR village_id IN (SELECT id FROM areas_village WHERE district_id = %(district)s)
GROUP BY month ORDER BY month"""

VILLAGE_FIGURES = """
SELECT village_id, month, households, population, male, female, suppressed
FROM areas_village_stats_public_v WHERE month = %(month)s ORDER BY village_id"""
