"""Disclosure rules shared by every output of population figures (statistics page, analytics, exports)."""

# Household and resident figures of a village with fewer households than this are never published: with so
# few households a count identifies people. One threshold for every output, so no channel leaks what another
# withholds. It is applied in one place, the read view ``areas_village_stats_public_v`` (areas migration
# 0005_village_stats_public_view), which every output reads; the view is frozen in its migration, so a change here
# needs a new areas migration that replaces the view (tests/areas/test_statistics.py fails until it exists).
# Totals count the published villages only (areas.statistics.month_totals): a total that included a withheld
# village would give its figures away as the total minus the published villages.
MIN_PUBLISHED_HOUSEHOLDS = 3
