"""The tile cache learns what changed from the change log: the layer-version triggers on lower apps' tables go.

Drops the 0002 triggers and their function and the LayerVersion model; cached tiles are stamped with a change-log
txid instead of layer versions (the old cache is emptied: its stamps mean nothing now); adds the dirty marks
(UNLOGGED, like the tiles) and the one-row state, applied up to the latest txid at migration time.
"""

from django.db import migrations, models

TRIGGERS = {
    "plates": ["addresses_doorplate"],
    "buildings": ["buildings_building"],
    "villages": ["areas_village", "areas_district"],
}

DROP_TRIGGERS = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS publicmap_version_{layer}_{table} ON {table};"
            for layer, tables in TRIGGERS.items()
            for table in tables
        ),
        "DROP FUNCTION IF EXISTS publicmap_bump_layer_version();",
    ]
)

# The reverse recreates what 0002 installed (verbatim), for a migration back.
CREATE_TRIGGERS = "\n".join(
    [
        """
CREATE OR REPLACE FUNCTION publicmap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO publicmap_layerversion (name, version, changed_at) VALUES (TG_ARGV[0], 1, now())
    ON CONFLICT (name) DO UPDATE SET version = publicmap_layerversion.version + 1, changed_at = now();
    RETURN NULL;
END
$$;
""",
        *(
            f"CREATE TRIGGER publicmap_version_{layer}_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION publicmap_bump_layer_version('{layer}');"
            for layer, tables in TRIGGERS.items()
            for table in tables
        ),
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("publicmap", "0003_tile_cache"),
        ("changes", "0003_read_functions"),
    ]

    operations = [
        migrations.RunSQL(DROP_TRIGGERS, CREATE_TRIGGERS),
        migrations.DeleteModel(name="LayerVersion"),
        migrations.RunSQL("DELETE FROM publicmap_cachedtile", "DELETE FROM publicmap_cachedtile"),
        migrations.RemoveField(model_name="cachedtile", name="stamp"),
        migrations.AddField(
            model_name="cachedtile",
            name="txid",
            field=models.BigIntegerField(default=0, verbose_name="change-log txid"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="TileDirty",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("layer", models.CharField(max_length=12)),
                ("z", models.SmallIntegerField()),
                ("x", models.IntegerField()),
                ("y", models.IntegerField()),
                ("txid", models.BigIntegerField(verbose_name="change-log txid")),
                ("marked_at", models.DateTimeField(verbose_name="marked at")),
            ],
            options={
                "verbose_name": "dirty tile mark",
                "verbose_name_plural": "dirty tile marks",
                "constraints": [
                    models.UniqueConstraint(fields=("layer", "z", "x", "y"), name="tiledirty_address_uniq"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("z", -1), ("x", -1), ("y", -1)),
                            models.Q(("z__gte", 0), ("x", -1), ("y", -1)),
                            models.Q(("z__gte", 0), ("x__gte", 0), ("y__gte", 0)),
                            _connector="OR",
                        ),
                        name="tiledirty_address_valid",
                    ),
                ],
            },
        ),
        # Cache metadata: a crash empties it together with the (unlogged) tiles it describes.
        migrations.RunSQL("ALTER TABLE publicmap_tiledirty SET UNLOGGED", "ALTER TABLE publicmap_tiledirty SET LOGGED"),
        migrations.CreateModel(
            name="TileState",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("applied_txid", models.BigIntegerField(verbose_name="marks applied up to txid")),
                ("applied_at", models.DateTimeField(null=True, verbose_name="applied at")),
            ],
            options={
                "verbose_name": "tile cache state",
                "verbose_name_plural": "tile cache state",
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="tilestate_one_row")],
            },
        ),
        # The cache is empty: every change up to now is already "applied".
        migrations.RunSQL(
            "INSERT INTO publicmap_tilestate (id, applied_txid, applied_at) "
            "VALUES (1, changes_latest_txid('public'), now())",
            migrations.RunSQL.noop,
        ),
    ]
