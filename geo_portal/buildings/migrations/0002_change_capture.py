"""The public view of building footprints and its change capture on the public channel."""

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql, drop_capture_triggers_sql

VIEW = """
CREATE OR REPLACE VIEW buildings_building_public_v AS
SELECT b.id, jsonb_build_object('id', b.id, 'name', b.name, 'floors', b.floors, 'height_m', b.height_m,
                                'structure', b.structure, 'source', b.source, 'source_id', b.source_id) AS data,
       b.geom::geometry AS geom
FROM buildings_building b;
"""
COLUMNS = ("name", "floors", "height_m", "structure", "source", "source_id", "geom")


class Migration(migrations.Migration):
    dependencies = [("buildings", "0001_initial"), ("changes", "0002_functions")]

    operations = [
        migrations.RunSQL(
            VIEW
            + capture_triggers_sql(
                table="buildings_building",
                entity="building",
                view="buildings_building_public_v",
                geom_column="geom",
                public_columns=COLUMNS,
            )
            + "SELECT changes_backfill('public', 'building', 'buildings_building_public_v');",
            drop_capture_triggers_sql(table="buildings_building", entity="building")
            + "DROP VIEW IF EXISTS buildings_building_public_v;",
        )
    ]
