"""Photos saved before uploads were written 0600 are 0644 (world-readable): take group and other permissions off
every file and folder under MEDIA_ROOT once, at upgrade (``media_permissions``; the daily retention job repeats it)."""

from django.db import migrations

from geo_portal.reports.media_permissions import tighten_media_permissions


def tighten(apps, schema_editor):
    tighten_media_permissions()


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_personal_data_reads_and_purges")]

    operations = [migrations.RunPython(tighten, migrations.RunPython.noop, elidable=True)]
