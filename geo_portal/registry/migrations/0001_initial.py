"""The household register's tables; btree_gist first (the exclusion constraints compare ids with = in GiST)."""

import django.contrib.postgres.constraints
from django.contrib.postgres.operations import BtreeGistExtension
import django.contrib.postgres.fields
import django.contrib.postgres.fields.ranges
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.datetime
import geo_portal.registry.storage
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('addresses', '0007_plate_condition_evidence_import_memory'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.CreateModel(
            name='Person',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('national_id_encrypted', models.BinaryField(verbose_name='national ID (encrypted)')),
                ('national_id_key', models.SmallIntegerField(verbose_name='encryption key id')),
                ('national_id_hash', models.BinaryField(verbose_name='national ID (keyed hash)')),
                ('national_id_hash_key', models.SmallIntegerField(verbose_name='hash key id')),
                ('name', models.CharField(db_collation='C', max_length=40, verbose_name='name')),
                ('sex', models.CharField(choices=[('M', 'male'), ('F', 'female')], max_length=1, verbose_name='sex')),
                ('birth_date', models.DateField(verbose_name='date of birth')),
                ('death_date', models.DateField(blank=True, null=True, verbose_name='date of death')),
                ('synthetic', models.BooleanField(default=False, verbose_name='synthetic (generated, not a real person)')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, verbose_name='version')),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='created at')),
            ],
            options={
                'verbose_name': 'person',
                'verbose_name_plural': 'persons',
                'indexes': [models.Index(fields=['name'], name='person_name_idx'), models.Index(fields=['national_id_key'], name='person_national_id_key_idx'), models.Index(fields=['national_id_hash_key'], name='person_national_id_hashkey_idx')],
                'constraints': [models.UniqueConstraint(fields=('national_id_hash',), name='person_national_id_hash_uniq'), models.CheckConstraint(condition=models.Q(('sex__in', ['M', 'F'])), name='person_sex_valid'), models.CheckConstraint(condition=models.Q(('death_date__isnull', True), ('death_date__gte', models.F('birth_date')), _connector='OR'), name='person_death_after_birth'), models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='person_name_not_empty')],
            },
        ),
        migrations.CreateModel(
            name='Household',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=8, verbose_name='household number (戶號)')),
                ('kind', models.CharField(choices=[('living', 'joint living household (共同生活戶)'), ('business', 'joint business household (共同事業戶)'), ('single', 'single living household (單獨生活戶)')], max_length=10, verbose_name='kind')),
                ('period', django.contrib.postgres.fields.ranges.DateRangeField(verbose_name='period')),
                ('synthetic', models.BooleanField(default=False, verbose_name='synthetic (generated)')),
                ('version', models.PositiveIntegerField(db_default=1, default=1, verbose_name='version')),
                ('plate', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='addresses.doorplate', verbose_name='door plate')),
                ('head', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='head (戶長)')),
            ],
            options={
                'verbose_name': 'household',
                'verbose_name_plural': 'households',
            },
        ),
        migrations.CreateModel(
            name='AccessLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='at')),
                ('username', models.CharField(max_length=150, verbose_name='user name')),
                ('purpose', models.CharField(choices=[('registration', 'registration case (登記案件)'), ('certificate', 'transcript or certificate (謄本核發)'), ('verification', 'data verification (資料查核)'), ('agency', 'request from another agency (機關查詢)'), ('citizen', 'request of the person concerned (當事人申請)'), ('home_visit', 'home visit (訪視)'), ('audit', 'audit or supervision (稽核)'), ('statistics', 'statistics (統計)')], max_length=20, verbose_name='purpose')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='case or reference')),
                ('fields', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=30), size=None, verbose_name='fields read')),
                ('selector', models.CharField(max_length=60, verbose_name='read')),
                ('endpoint', models.CharField(max_length=200, verbose_name='page or endpoint')),
                ('request_id', models.CharField(max_length=64, verbose_name='request id')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='read by')),
                ('person', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person', verbose_name='person')),
            ],
            options={
                'verbose_name': 'access log entry',
                'verbose_name_plural': 'access log',
                'ordering': ['-at', '-id'],
                'default_permissions': ('view',),
            },
        ),
        migrations.CreateModel(
            name='RegistrationEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('birth', 'birth (出生)'), ('death', 'death (死亡)'), ('move_in', 'move-in (遷入)'), ('move_out', 'move-out (遷出)'), ('address_change', 'address change within the district (住址變更)'), ('split', 'household split (分戶)'), ('merge', 'household merge (合戶)'), ('head_change', 'change of head (戶長變更)'), ('renumbering', 'renumbering (門牌整編)')], max_length=20, verbose_name='kind')),
                ('status', models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted'), ('approved', 'approved'), ('rejected', 'rejected'), ('applied', 'applied')], default='draft', max_length=10, verbose_name='status')),
                ('effective_date', models.DateField(verbose_name='effective date')),
                ('declared_on', models.DateField(verbose_name='declared on')),
                ('late', models.BooleanField(default=False, verbose_name='declared late')),
                ('details', models.JSONField(verbose_name='details')),
                ('person_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), default=list, size=None, verbose_name='persons')),
                ('household_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), default=list, size=None, verbose_name='households')),
                ('plate_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), default=list, size=None, verbose_name='door plates')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='entered at')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed at')),
                ('review_note', models.TextField(blank=True, verbose_name='review note')),
                ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='applied at')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                ('applied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='applied by')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='entered by')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
            ],
            options={
                'verbose_name': 'registration event',
                'verbose_name_plural': 'registration events',
                'ordering': ['-created_at', '-id'],
                'permissions': [('register_events', 'Can enter and submit registration events'), ('review_events', 'Can approve or reject registration events')],
            },
        ),
        migrations.CreateModel(
            name='EventTransition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, max_length=10, verbose_name='from')),
                ('to_status', models.CharField(max_length=10, verbose_name='to')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('actor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='registry.registrationevent', verbose_name='registration event')),
            ],
            options={
                'verbose_name': 'registration event step',
                'verbose_name_plural': 'registration event steps',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='EventDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('application', 'application form (申請書)'), ('birth_certificate', 'birth certificate (出生證明書)'), ('death_certificate', 'death certificate (死亡證明書)'), ('identity', 'identity document (身分證明)'), ('tenancy', 'proof of residence (居住證明)'), ('other', 'other')], max_length=20, verbose_name='kind')),
                ('file', models.FileField(storage=geo_portal.registry.storage.registry_documents_storage, upload_to='events/%Y/%m', verbose_name='file')),
                ('content_type', models.CharField(max_length=40, verbose_name='content type')),
                ('size', models.PositiveIntegerField(verbose_name='size (bytes)')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='registry.registrationevent', verbose_name='registration event')),
            ],
            options={
                'verbose_name': 'registration document',
                'verbose_name_plural': 'registration documents',
                'ordering': ['uploaded_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='HouseholdAddress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid', django.contrib.postgres.fields.ranges.DateRangeField(verbose_name='period')),
                ('household', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='addresses', to='registry.household', verbose_name='household')),
                ('plate', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='addresses.doorplate', verbose_name='door plate')),
            ],
            options={
                'verbose_name': 'household address',
                'verbose_name_plural': 'household addresses',
                'indexes': [django.contrib.postgres.indexes.GistIndex(fields=['plate', 'valid'], name='householdaddress_plate_gist')],
                'constraints': [django.contrib.postgres.constraints.ExclusionConstraint(expressions=[('household', '='), ('valid', '&&')], name='householdaddress_one_plate_at_a_time'), models.CheckConstraint(condition=models.Q(('valid__isempty', False), ('valid__lower_inf', False)), name='householdaddress_starts')],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('relation', models.CharField(choices=[('head', 'head of household (戶長)'), ('spouse', 'spouse (配偶)'), ('son', 'son (子)'), ('daughter', 'daughter (女)'), ('father', 'father (父)'), ('mother', 'mother (母)'), ('grandson', 'grandson (孫)'), ('granddaughter', 'granddaughter (孫女)'), ('grandfather', 'grandfather (祖父)'), ('grandmother', 'grandmother (祖母)'), ('brother', 'brother (兄弟)'), ('sister', 'sister (姊妹)'), ('son_in_law', 'son-in-law (女婿)'), ('daughter_in_law', 'daughter-in-law (媳)'), ('relative', 'family member (家屬)'), ('lodger', 'lodger (寄居)'), ('employee', 'employee (受雇人)')], max_length=20, verbose_name='relation to the head (稱謂)')),
                ('valid', django.contrib.postgres.fields.ranges.DateRangeField(verbose_name='period')),
                ('household', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='registry.household', verbose_name='household')),
                ('person', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='registry.person', verbose_name='person')),
            ],
            options={
                'verbose_name': 'membership',
                'verbose_name_plural': 'memberships',
                'indexes': [django.contrib.postgres.indexes.GistIndex(fields=['household', 'valid'], name='membership_household_gist')],
                'constraints': [django.contrib.postgres.constraints.ExclusionConstraint(expressions=[('person', '='), ('valid', '&&')], name='membership_one_household_at_a_time'), models.CheckConstraint(condition=models.Q(('valid__isempty', False), ('valid__lower_inf', False)), name='membership_starts'), models.UniqueConstraint(condition=models.Q(('relation', 'head'), ('valid__upper_inf', True)), fields=('household',), name='membership_one_open_head')],
            },
        ),
        migrations.AddIndex(
            model_name='household',
            index=models.Index(fields=['plate'], name='household_plate_idx'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.UniqueConstraint(fields=('number',), name='household_number_uniq'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.CheckConstraint(condition=models.Q(('number__regex', '^[A-Z]{1,2}[0-9]{6,7}$')), name='household_number_format'),
        ),
        migrations.AddConstraint(
            model_name='household',
            constraint=models.CheckConstraint(condition=models.Q(('period__isempty', False), ('period__lower_inf', False)), name='household_period_starts'),
        ),
        migrations.AddIndex(
            model_name='accesslog',
            index=models.Index(fields=['person', 'at'], name='accesslog_person_at_idx'),
        ),
        migrations.AddIndex(
            model_name='accesslog',
            index=models.Index(fields=['user', 'at'], name='accesslog_user_at_idx'),
        ),
        migrations.AddIndex(
            model_name='accesslog',
            index=models.Index(fields=['at'], name='accesslog_at_idx'),
        ),
        migrations.AddConstraint(
            model_name='accesslog',
            constraint=models.CheckConstraint(condition=models.Q(('purpose', ''), _negated=True), name='accesslog_purpose_required'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='accesslog',
            trigger=pgtrigger.compiler.Trigger(name='accesslog_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='4a26a74042e8d3897029aaef490393d2f6249a78', operation='UPDATE OR DELETE', pgid='pgtrigger_accesslog_append_only_e0bad', table='registry_accesslog', when='BEFORE')),
        ),
        migrations.AddIndex(
            model_name='registrationevent',
            index=models.Index(fields=['status', 'created_at'], name='regevent_status_idx'),
        ),
        migrations.AddIndex(
            model_name='registrationevent',
            index=django.contrib.postgres.indexes.GinIndex(fields=['person_ids'], name='regevent_persons_gin'),
        ),
        migrations.AddIndex(
            model_name='registrationevent',
            index=django.contrib.postgres.indexes.GinIndex(fields=['household_ids'], name='regevent_households_gin'),
        ),
        migrations.AddConstraint(
            model_name='registrationevent',
            constraint=models.CheckConstraint(condition=models.Q(('reviewed_by__isnull', True), models.Q(('reviewed_by', models.F('submitted_by')), _negated=True), _connector='OR'), name='registrationevent_reviewer_not_submitter'),
        ),
        migrations.AddConstraint(
            model_name='registrationevent',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'draft'), models.Q(('submitted_at__isnull', False), ('submitted_by__isnull', False)), _connector='OR'), name='registrationevent_submitted_has_submitter'),
        ),
        migrations.AddConstraint(
            model_name='registrationevent',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'submitted']), models.Q(('reviewed_at__isnull', False), ('reviewed_by__isnull', False)), _connector='OR'), name='registrationevent_reviewed_has_reviewer'),
        ),
        migrations.AddConstraint(
            model_name='registrationevent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'applied'), _negated=True), models.Q(('applied_at__isnull', False), ('applied_by__isnull', False)), _connector='OR'), name='registrationevent_applied_has_date'),
        ),
        migrations.AddConstraint(
            model_name='registrationevent',
            constraint=models.CheckConstraint(condition=models.Q(('declared_on__gte', models.F('effective_date'))), name='registrationevent_declared_after_event'),
        ),
    ]
