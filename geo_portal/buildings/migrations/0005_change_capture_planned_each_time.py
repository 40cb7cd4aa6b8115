"""The buildings' change capture functions, redefined to plan their query on every statement (changes.sql)."""

from importlib import import_module

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql

CAPTURE = import_module("geo_portal.buildings.migrations.0002_change_capture")


class Migration(migrations.Migration):
    dependencies = [("buildings", "0004_named_view")]

    operations = [
        migrations.RunSQL(
            capture_triggers_sql(
                table="buildings_building",
                entity="building",
                view="buildings_building_public_v",
                geom_column="geom",
                public_columns=CAPTURE.COLUMNS,
                functions_only=True,
            ),
            migrations.RunSQL.noop,  # the earlier, static definitions are not kept
        )
    ]
