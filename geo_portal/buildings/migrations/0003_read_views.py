"""Read views that buildings declares for lower apps: a door plate's building, and footprints by position.

Addresses sits below buildings in the layers; its reverse lookup shows the building of each plate and the
footprint at the clicked point, and reads them only through these views (never ``buildings_platebuilding`` or
``buildings_building``). Plain views: PostgreSQL inlines them, so the plate key and the GiST index on the
footprints are used as on the tables.
"""

from django.db import migrations

VIEWS = """
CREATE OR REPLACE VIEW buildings_plate_building_v AS SELECT plate_id, building_id FROM buildings_platebuilding;
CREATE OR REPLACE VIEW buildings_footprint_v AS SELECT id, geom FROM buildings_building;
"""

DROP_VIEWS = """
DROP VIEW IF EXISTS buildings_footprint_v;
DROP VIEW IF EXISTS buildings_plate_building_v;
"""


class Migration(migrations.Migration):
    dependencies = [("buildings", "0002_change_capture")]

    operations = [migrations.RunSQL(VIEWS, DROP_VIEWS)]
