"""Re-issuance's change capture functions, redefined to plan their query on every statement (changes.sql)."""

from importlib import import_module

from django.db import migrations

from geo_portal.changes.sql import capture_triggers_sql

CASES = import_module("geo_portal.reissue.migrations.0002_change_capture")
NOTICES = import_module("geo_portal.reissue.migrations.0004_notices")


class Migration(migrations.Migration):
    dependencies = [("reissue", "0004_notices")]

    operations = [
        migrations.RunSQL(
            capture_triggers_sql(
                table="reissue_case",
                entity="reissue_case",
                view="reissue_case_log_v",
                geom_column="",
                public_columns=CASES.COLUMNS,
                channel="reissue",
                functions_only=True,
            )
            + capture_triggers_sql(
                table="reissue_noticebatch",
                entity="reissue_notice_batch",
                view="reissue_noticebatch_log_v",
                geom_column="",
                public_columns=NOTICES.BATCH_COLUMNS,
                channel="reissue",
                functions_only=True,
            ),
            migrations.RunSQL.noop,  # the earlier, static definitions are not kept
        )
    ]
