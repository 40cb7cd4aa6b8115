"""Public views of villages, districts and roads, and their change capture on the public channel."""

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql, drop_capture_triggers_sql

VIEWS = """
CREATE OR REPLACE VIEW areas_village_public_v AS
SELECT v.id, jsonb_build_object('id', v.id, 'code', v.code, 'name', v.name, 'name_en', v.name_en,
                                'district_id', v.district_id) AS data,
       v.boundary::geometry AS geom
FROM areas_village v;

CREATE OR REPLACE VIEW areas_district_public_v AS
SELECT d.id, jsonb_build_object('id', d.id, 'code', d.code, 'name', d.name, 'name_en', d.name_en,
                                'county', c.name, 'county_en', c.name_en) AS data,
       d.boundary::geometry AS geom
FROM areas_district d JOIN areas_county c ON c.id = d.county_id;

CREATE OR REPLACE VIEW areas_road_public_v AS
SELECT r.id, jsonb_build_object('id', r.id, 'name', r.name, 'base_name', r.base_name, 'section', r.section,
                                'name_en', r.name_en, 'district_id', r.district_id) AS data,
       NULL::geometry AS geom
FROM areas_road r;

-- Read view for other apps (addresses' public plate view): a 鄰's number by id.
CREATE OR REPLACE VIEW areas_neighborhood_v AS SELECT id, village_id, number FROM areas_neighborhood;
"""

DROP_VIEWS = """
DROP VIEW IF EXISTS areas_neighborhood_v;
DROP VIEW IF EXISTS areas_road_public_v;
DROP VIEW IF EXISTS areas_district_public_v;
DROP VIEW IF EXISTS areas_village_public_v;
"""

CAPTURE = [
    ("areas_village", "village", "areas_village_public_v", "boundary", ("code", "name", "name_en", "district_id", "boundary")),
    ("areas_district", "district", "areas_district_public_v", "boundary", ("code", "name", "name_en", "boundary")),
    ("areas_road", "road", "areas_road_public_v", "", ("name", "base_name", "section", "name_en", "district_id")),
]


def forward() -> str:
    parts = [VIEWS]
    for table, entity, view, geom, columns in CAPTURE:
        parts.append(capture_triggers_sql(table=table, entity=entity, view=view, geom_column=geom, public_columns=columns))
        parts.append(f"SELECT changes_backfill('public', '{entity}', '{view}');")
    return "\n".join(parts)


def reverse() -> str:
    return "\n".join([*(drop_capture_triggers_sql(table=t, entity=e) for t, e, *_ in CAPTURE), DROP_VIEWS])


class Migration(migrations.Migration):
    dependencies = [("areas", "0003_village_population"), ("changes", "0002_functions")]

    operations = [migrations.RunSQL(forward(), reverse())]
