"""The plates' change capture functions, redefined to plan their query on every statement (changes.sql)."""

from importlib import import_module

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql

CAPTURE = import_module("geo_portal.addresses.migrations.0006_change_capture")


class Migration(migrations.Migration):
    dependencies = [("addresses", "0015_plate_update_history_planned_each_time")]

    operations = [
        migrations.RunSQL(
            capture_triggers_sql(
                table="addresses_doorplate",
                entity="plate",
                view="addresses_plate_public_v",
                geom_column="geom",
                public_columns=CAPTURE.COLUMNS,
                functions_only=True,
            ),
            migrations.RunSQL.noop,  # the earlier, static definitions are not kept
        )
    ]
