"""The registry's change capture function, redefined to plan its query on every statement (changes.sql)."""

from importlib import import_module

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql

CAPTURE = import_module("geo_portal.registry.migrations.0002_private_change_log")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_access_log_audit_permission")]

    operations = [
        migrations.RunSQL(
            capture_triggers_sql(
                table="registry_registrationevent",
                entity="registration",
                view="registry_event_log_v",
                geom_column="",
                public_columns=("status",),
                channel=CAPTURE.CHANNEL,
                operations=("update",),
                functions_only=True,
            ),
            migrations.RunSQL.noop,  # the earlier, static definition is not kept
        )
    ]
