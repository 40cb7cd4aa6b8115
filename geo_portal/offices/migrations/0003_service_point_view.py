"""The read view that offices declares for its sibling apps: the service points' public fields.

Analytics (a sibling in the same layer, which may not name ``offices_servicepoint``) measures distances to the
service points through this view. Only what the office publishes anyway: name, kind, address, whether it is in
service and where the geocoder placed it (not the linked plate, the geocoder's note or when it ran).
"""

from django.db import migrations

VIEW = """
CREATE OR REPLACE VIEW offices_servicepoint_v AS
SELECT id, name, name_en, kind, address, active, location, geocode_grade FROM offices_servicepoint;
"""


class Migration(migrations.Migration):
    dependencies = [("offices", "0002_geocode_grade_choices")]

    operations = [migrations.RunSQL(VIEW, "DROP VIEW IF EXISTS offices_servicepoint_v;")]
