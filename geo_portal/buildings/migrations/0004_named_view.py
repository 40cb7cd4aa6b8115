"""A read view of named buildings for lower apps: the address search finds landmarks (schools, halls, companies…) by
the names their source gave them (OSM ``name``, loaded by ``import_buildings``), and reads them only through this view
(addresses sits below buildings in the layers). A plain view: PostgreSQL inlines it.
"""

from django.db import migrations

VIEW = """
CREATE OR REPLACE VIEW buildings_named_v AS
SELECT id, btrim(name) AS name, geom FROM buildings_building WHERE btrim(name) <> '';
"""

DROP_VIEW = "DROP VIEW IF EXISTS buildings_named_v;"


class Migration(migrations.Migration):
    dependencies = [("buildings", "0003_read_views")]

    operations = [migrations.RunSQL(VIEW, DROP_VIEW)]
