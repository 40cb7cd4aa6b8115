"""Statement-level triggers that bump a map layer's version whenever its tables change (any writer, any path)."""

from django.db import migrations

LAYER_TABLES = {
    "plates": ["addresses_doorplate"],
    "buildings": ["buildings_building"],
    "villages": ["areas_village", "areas_district"],
}

FUNCTION = """
CREATE OR REPLACE FUNCTION publicmap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO publicmap_layerversion (name, version, changed_at) VALUES (TG_ARGV[0], 1, now())
    ON CONFLICT (name) DO UPDATE SET version = publicmap_layerversion.version + 1, changed_at = now();
    RETURN NULL;
END
$$;
"""


def forward_sql() -> str:
    statements = [FUNCTION]
    for layer, tables in LAYER_TABLES.items():
        for table in tables:
            statements.append(
                f"CREATE TRIGGER publicmap_version_{layer}_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION publicmap_bump_layer_version('{layer}');"
            )
    return "\n".join(statements)


def reverse_sql() -> str:
    statements = [
        f"DROP TRIGGER IF EXISTS publicmap_version_{layer}_{table} ON {table};"
        for layer, tables in LAYER_TABLES.items()
        for table in tables
    ]
    return "\n".join([*statements, "DROP FUNCTION IF EXISTS publicmap_bump_layer_version();"])


class Migration(migrations.Migration):
    dependencies = [
        ("publicmap", "0001_layer_versions"),
        ("addresses", "0003_street_key_index"),
        ("buildings", "0001_initial"),
        ("areas", "0003_village_population"),
    ]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]
