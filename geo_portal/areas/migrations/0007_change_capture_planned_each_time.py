"""The areas' change capture functions, redefined to plan their query on every statement (changes.sql)."""

from importlib import import_module

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql

CAPTURE = import_module("geo_portal.areas.migrations.0004_change_capture").CAPTURE


class Migration(migrations.Migration):
    dependencies = [("areas", "0006_import_functions")]

    operations = [
        migrations.RunSQL(
            "\n".join(
                capture_triggers_sql(
                    table=table, entity=entity, view=view, geom_column=geom, public_columns=columns, functions_only=True
                )
                for table, entity, view, geom, columns in CAPTURE
            ),
            migrations.RunSQL.noop,  # the earlier, static definitions are not kept
        )
    ]
