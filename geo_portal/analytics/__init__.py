"""GeoPandas access to the door-plate database for planners' notebooks and scripts.

One call sets everything up, then every function returns a GeoDataFrame (EPSG:3826 by default, 4326 on
request) read through a read-only SQLAlchemy engine::

    from geo_portal import analytics
    analytics.setup()                      # Django settings + the read-only engine
    plates = analytics.plates()            # active door plates, public fields only
    villages = analytics.villages()        # boundaries + latest month's statistics + plate counts and densities

Only public data is exposed: plates, buildings, villages and aggregates. Household and population figures
of a village with fewer than ``MIN_HOUSEHOLDS`` (3) households are suppressed (set to missing), so a sum over a
frame (pandas skips missing values) is a total of the villages shown, as the statistics page publishes it; never
add a withheld village back into a total from elsewhere (the total minus the others would be its figures).
"""

from geo_portal.analytics.access import plate_distances, service_points, village_access
from geo_portal.analytics.db import engine, setup
from geo_portal.analytics.layers import (
    MIN_HOUSEHOLDS,
    age_structure,
    buildings,
    months,
    plates,
    villages,
)
from geo_portal.analytics.quality import (
    buildings_without_plate,
    duplicate_positions,
    numbering_gaps,
    plates_outside_village,
    plates_without_building,
)

__all__ = [
    "MIN_HOUSEHOLDS",
    "age_structure",
    "buildings",
    "buildings_without_plate",
    "duplicate_positions",
    "engine",
    "months",
    "numbering_gaps",
    "plate_distances",
    "plates",
    "plates_outside_village",
    "plates_without_building",
    "service_points",
    "setup",
    "village_access",
    "villages",
]
