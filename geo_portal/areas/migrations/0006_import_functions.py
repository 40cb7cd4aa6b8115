"""Functions through which the door-plate importer adds roads, variant spellings and 鄰 (areas owns the tables).

The importer (``addresses.imports``) works set-based on its staging tables; it hands the new names to these
functions as parallel arrays in one statement and never writes ``areas_road``, ``areas_roadalias`` or
``areas_neighborhood`` itself. Each function inserts what is missing (existing rows are kept as they are) and
returns how many rows it added. The order of the arrays is the order of insertion (ids).
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION areas_add_roads(p_district_ids bigint[], p_names text[], p_base_names text[],
                                           p_sections integer[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE added integer;
BEGIN
    INSERT INTO areas_road (district_id, name, base_name, section, name_en)
    SELECT t.district_id, t.name, t.base_name, t.section, ''
    FROM unnest(p_district_ids, p_names, p_base_names, p_sections) WITH ORDINALITY AS t(district_id, name, base_name, section, i)
    ORDER BY t.i
    ON CONFLICT ON CONSTRAINT road_district_name_uniq DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END $$;

-- An alias names its road by district and name; a pair that names no road is skipped.
CREATE OR REPLACE FUNCTION areas_add_road_aliases(p_district_ids bigint[], p_road_names text[], p_aliases text[],
                                                  p_kind text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE added integer;
BEGIN
    INSERT INTO areas_roadalias (road_id, alias, kind)
    SELECT r.id, t.alias, p_kind
    FROM unnest(p_district_ids, p_road_names, p_aliases) WITH ORDINALITY AS t(district_id, road_name, alias, i)
    JOIN areas_road r ON r.district_id = t.district_id AND r.name = t.road_name
    ORDER BY t.i
    ON CONFLICT ON CONSTRAINT roadalias_road_alias_uniq DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END $$;

CREATE OR REPLACE FUNCTION areas_add_neighborhoods(p_village_ids bigint[], p_numbers integer[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE added integer;
BEGIN
    INSERT INTO areas_neighborhood (village_id, number)
    SELECT t.village_id, t.number
    FROM unnest(p_village_ids, p_numbers) WITH ORDINALITY AS t(village_id, number, i)
    ORDER BY t.i
    ON CONFLICT ON CONSTRAINT neighborhood_village_number_uniq DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS areas_add_neighborhoods(bigint[], integer[]);
DROP FUNCTION IF EXISTS areas_add_road_aliases(bigint[], text[], text[], text);
DROP FUNCTION IF EXISTS areas_add_roads(bigint[], text[], text[], integer[]);
"""


class Migration(migrations.Migration):
    dependencies = [("areas", "0005_village_stats_public_view")]

    operations = [migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS)]
