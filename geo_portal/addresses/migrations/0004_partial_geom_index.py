"""Make the plates' GiST index partial (active plates only), as the model declares.

GeoDjango's schema editor builds a spatial index for a geometry field itself and drops the ``condition`` of
a ``GistIndex`` on it, so migration 0001 created ``doorplate_geom_active_gist`` over every plate. The hot
paths (tiles, reverse lookup, building links, exports) all filter on ``status = 'active'``. The model state is
already right; only the database changes here.
"""

from django.db import migrations

PARTIAL = (
    "DROP INDEX IF EXISTS doorplate_geom_active_gist;"
    "CREATE INDEX doorplate_geom_active_gist ON addresses_doorplate USING gist (geom) WHERE status = 'active';"
)
FULL = (
    "DROP INDEX IF EXISTS doorplate_geom_active_gist;"
    "CREATE INDEX doorplate_geom_active_gist ON addresses_doorplate USING gist (geom);"
)


class Migration(migrations.Migration):
    dependencies = [("addresses", "0003_street_key_index")]

    operations = [migrations.RunSQL(PARTIAL, FULL)]
