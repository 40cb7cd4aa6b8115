"""The capture and numbering functions, and the public channel."""

from django.db import migrations

from geo_portal.changes.sql import DROP_FUNCTIONS, FUNCTIONS


class Migration(migrations.Migration):
    dependencies = [("changes", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(
            "INSERT INTO changes_channel (name, last_txid, last_seq, horizon_txid) VALUES ('public', 0, 0, 0)",
            "DELETE FROM changes_channel WHERE name = 'public'",
        ),
    ]
