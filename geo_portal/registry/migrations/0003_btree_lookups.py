"""Btree lookups by household and person (the ORM's integer parameters cannot use the btree_gist indexes); memberships by
household through a btree instead of a GiST (a household has few of them; the GiST cost seconds per load)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('addresses', '0007_plate_condition_evidence_import_memory'),
        ('registry', '0002_private_change_log'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='membership',
            name='membership_household_gist',
        ),
        migrations.AddIndex(
            model_name='householdaddress',
            index=models.Index(fields=['household'], name='householdaddress_household_idx'),
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(fields=['household'], name='membership_household_idx'),
        ),
        migrations.AddIndex(
            model_name='membership',
            index=models.Index(fields=['person'], name='membership_person_idx'),
        ),
    ]
