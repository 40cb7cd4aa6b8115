"""Plate tiles carry ``label_en`` (the house number in English) from now on: cached tiles of the old format go.

The cache is rebuilt on demand; invalidation marks and state stay as they are (they only ever make tiles older).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("publicmap", "0004_change_log_invalidation")]

    operations = [migrations.RunSQL("TRUNCATE publicmap_cachedtile;", migrations.RunSQL.noop)]
