"""Applied registration events on the change log's private channel ``registry`` (its own txid and seq numbers).

The view shows applied events only, and the capture fires on updates only: an event enters the log once, in the
transaction that applies it. What it publishes are ids (persons, households, plates), the kind and the dates —
never a name or a national ID. The public channel numbers its own transactions, so the public feed neither shows
these events nor reveals them by gaps.
"""

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql, drop_capture_triggers_sql

CHANNEL = "registry"
VIEW = """
CREATE OR REPLACE VIEW registry_event_log_v AS
SELECT e.id,
       jsonb_build_object('id', e.id, 'kind', e.kind, 'effective_date', e.effective_date, 'late', e.late,
                          'persons', to_jsonb(e.person_ids), 'households', to_jsonb(e.household_ids),
                          'plates', to_jsonb(e.plate_ids), 'applied_at', e.applied_at) AS data,
       NULL::geometry AS geom
FROM registry_registrationevent e
WHERE e.status = 'applied';
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("changes", "0002_functions")]

    operations = [
        migrations.RunSQL(
            VIEW
            + capture_triggers_sql(
                table="registry_registrationevent",
                entity="registration",
                view="registry_event_log_v",
                geom_column="",
                public_columns=("status",),
                channel=CHANNEL,
                operations=("update",),
            ),
            drop_capture_triggers_sql(table="registry_registrationevent", entity="registration")
            + "DROP VIEW IF EXISTS registry_event_log_v;",
        )
    ]
