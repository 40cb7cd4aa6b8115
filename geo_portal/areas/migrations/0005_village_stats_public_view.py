"""The published village statistics: one read view with the small-numbers rule applied, for every output.

``areas_village_stats_public_v`` has one row per village and month of ``areas_villagepopulation``. A village with
fewer than 3 households (``core.privacy.MIN_PUBLISHED_HOUSEHOLDS``) has its household, resident, sex and age figures
set to NULL and ``suppressed`` true; ``has_ages`` says whether the age report was imported (also for a suppressed
row, so "withheld" stays apart from "not reported"). The statistics page (through ``areas.statistics``), the
exports layer and analytics read this view; nothing outside ``areas`` reads the table. It is a plain read view,
not one of the change log's ``(id, data, geom)`` capture views.

The threshold is written here as a number because a migration is frozen: changing ``MIN_PUBLISHED_HOUSEHOLDS``
needs a new migration that replaces the view (``tests/areas/test_statistics.py`` fails until then).
"""

from django.db import migrations

VIEW = """
CREATE OR REPLACE VIEW areas_village_stats_public_v AS
SELECT vp.village_id, vp.month, vp.neighborhoods,
       CASE WHEN NOT s.suppressed THEN vp.households END AS households,
       CASE WHEN NOT s.suppressed THEN vp.population END AS population,
       CASE WHEN NOT s.suppressed THEN vp.male END AS male,
       CASE WHEN NOT s.suppressed THEN vp.female END AS female,
       CASE WHEN NOT s.suppressed THEN vp.age_male END AS age_male,
       CASE WHEN NOT s.suppressed THEN vp.age_female END AS age_female,
       vp.age_male IS NOT NULL AS has_ages,
       s.suppressed
FROM areas_villagepopulation vp
CROSS JOIN LATERAL (SELECT vp.households < 3 AS suppressed) s;
"""


class Migration(migrations.Migration):
    dependencies = [("areas", "0004_change_capture")]

    operations = [migrations.RunSQL(VIEW, "DROP VIEW IF EXISTS areas_village_stats_public_v;")]
