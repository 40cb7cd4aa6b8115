"""The public view of door plates and its change capture on the public channel (plates and successor links)."""

from django.db import migrations

from geo_portal.changes.sql import (
    capture_triggers_sql,
    drop_capture_triggers_sql,
    drop_related_capture_triggers_sql,
    related_capture_triggers_sql,
)

VIEW = """
CREATE OR REPLACE VIEW addresses_plate_public_v AS
SELECT p.id,
       jsonb_build_object(
           'id', p.id, 'version', p.version, 'address', p.address, 'district_id', p.district_id,
           'village_id', p.village_id, 'neighborhood', n.number, 'road_id', p.road_id, 'area', p.area,
           'lane', p.lane, 'alley', p.alley, 'number_prefix', p.number_prefix, 'number', p.number,
           'sub_number', p.sub_number, 'number_suffix', p.number_suffix, 'floor', p.floor,
           'floor_unit', p.floor_unit, 'floor_sub', p.floor_sub, 'zip_code', p.zip_code, 'status', p.status,
           'retired_on', p.retired_on, 'successors', coalesce(s.ids, '[]'::jsonb), 'condition', p.condition,
           'last_checked_on', p.last_checked_on
       ) AS data,
       p.geom::geometry AS geom
FROM addresses_doorplate p
LEFT JOIN areas_neighborhood_v n ON n.id = p.neighborhood_id
LEFT JOIN (
    SELECT from_doorplate_id, jsonb_agg(to_doorplate_id ORDER BY to_doorplate_id) AS ids
    FROM addresses_doorplate_successors GROUP BY from_doorplate_id
) s ON s.from_doorplate_id = p.id;
"""
# Every column the public view shows (a change to any other column, e.g. source_batch, publishes nothing).
COLUMNS = (
    "version", "address", "district_id", "village_id", "neighborhood_id", "road_id", "area", "lane", "alley",
    "number_prefix", "number", "sub_number", "number_suffix", "floor", "floor_unit", "floor_sub", "zip_code",
    "status", "retired_on", "condition", "last_checked_on", "geom",
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("addresses", "0005_plate_versions"), ("areas", "0004_change_capture"), ("changes", "0002_functions")]

    operations = [
        migrations.RunSQL(
            VIEW
            + capture_triggers_sql(
                table="addresses_doorplate",
                entity="plate",
                view="addresses_plate_public_v",
                geom_column="geom",
                public_columns=COLUMNS,
            )
            + related_capture_triggers_sql(
                table="addresses_doorplate_successors",
                entity="plate",
                view="addresses_plate_public_v",
                column="from_doorplate_id",
                name="plate_successors",
            )
            + "SELECT changes_backfill('public', 'plate', 'addresses_plate_public_v');",
            drop_related_capture_triggers_sql(table="addresses_doorplate_successors", name="plate_successors")
            + drop_capture_triggers_sql(table="addresses_doorplate", entity="plate")
            + "DROP VIEW IF EXISTS addresses_plate_public_v;",
        )
    ]
