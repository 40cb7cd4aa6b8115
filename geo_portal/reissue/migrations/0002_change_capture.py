"""The change log of re-issue cases on a private channel ("reissue"): every step is an event of the case with its
reference, source kind, state, version, due date and order — ids and states only, never the applicant. The public
channel numbers its own transactions, so the public feed neither shows nor reveals these."""

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql, drop_capture_triggers_sql

VIEW = """
CREATE OR REPLACE VIEW reissue_case_log_v AS
SELECT c.id,
       jsonb_build_object('id', c.id, 'reference', c.reference, 'source', c.source, 'reason', c.reason,
                          'state', c.state, 'version', c.version, 'due_on', c.due_on, 'order_id', c.order_id,
                          'fee_waived', c.fee_waived) AS data,
       NULL::geometry AS geom
FROM reissue_case c;
"""
COLUMNS = ("reference", "source", "reason", "state", "version", "due_on", "order_id", "fee_waived")


class Migration(migrations.Migration):
    dependencies = [("reissue", "0001_cases"), ("changes", "0002_functions")]

    operations = [
        migrations.RunSQL(
            VIEW
            + capture_triggers_sql(
                table="reissue_case",
                entity="reissue_case",
                view="reissue_case_log_v",
                geom_column="",
                public_columns=COLUMNS,
                channel="reissue",
            ),
            drop_capture_triggers_sql(table="reissue_case", entity="reissue_case")
            + "DROP VIEW IF EXISTS reissue_case_log_v;",
        )
    ]
