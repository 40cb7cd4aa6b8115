"""The shared cache table, the throttle counters (unlogged) with their atomic SQL function, and incidents."""

from django.db import migrations, models

# One round trip per throttled request, atomic under concurrency: the previous window's count is read, and the
# current window's counter is created or incremented only while the weighted sum stays under the limit (a refused
# request is not counted). Expired rows are swept now and then by the same function (the table is unlogged: the
# counters are worth nothing after a crash).
THROTTLE_HIT = """
CREATE OR REPLACE FUNCTION core_throttle_hit(
    p_key text, p_previous text, p_limit integer, p_weight double precision, p_ttl interval
) RETURNS TABLE (allowed boolean, current_hits integer, previous_hits integer)
LANGUAGE plpgsql AS $$
DECLARE
    c integer;
    p integer;
BEGIN
    SELECT t.hits INTO p FROM core_throttle_counter t WHERE t.key = p_previous AND t.expires_at > now();
    p := coalesce(p, 0);
    IF p * p_weight < p_limit THEN
        INSERT INTO core_throttle_counter AS t (key, hits, expires_at) VALUES (p_key, 1, now() + p_ttl)
        ON CONFLICT (key) DO UPDATE SET hits = t.hits + 1 WHERE t.hits + p * p_weight < p_limit
        RETURNING t.hits INTO c;
        IF FOUND THEN
            IF random() < 0.001 THEN
                DELETE FROM core_throttle_counter WHERE expires_at < now();
            END IF;
            RETURN QUERY SELECT true, c, p;
            RETURN;
        END IF;
    END IF;
    SELECT t.hits INTO c FROM core_throttle_counter t WHERE t.key = p_key;
    RETURN QUERY SELECT false, coalesce(c, 0), p;
END
$$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_extensions'),
    ]

    operations = [
        migrations.CreateModel(
            name='CacheEntry',
            fields=[
                ('cache_key', models.CharField(max_length=255, primary_key=True, serialize=False)),
                ('value', models.TextField()),
                ('expires', models.DateTimeField()),
            ],
            options={
                'db_table': 'core_cache',
                'default_permissions': (),
                'indexes': [models.Index(fields=['expires'], name='core_cache_expires_idx')],
            },
        ),
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('check_name', models.CharField(max_length=60, verbose_name='check')),
                ('detail', models.TextField(verbose_name='detail')),
                ('opened_at', models.DateTimeField(verbose_name='opened at')),
                ('alerted_at', models.DateTimeField(blank=True, null=True, verbose_name='alerted at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
            ],
            options={
                'verbose_name': 'operations incident',
                'verbose_name_plural': 'operations incidents',
                'default_permissions': ('view',),
                'constraints': [models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True)), fields=('check_name',), name='incident_one_open_per_check')],
            },
        ),
        migrations.CreateModel(
            name='ThrottleCounter',
            fields=[
                ('key', models.CharField(max_length=255, primary_key=True, serialize=False)),
                ('hits', models.IntegerField()),
                ('expires_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'core_throttle_counter',
                'default_permissions': (),
                'indexes': [models.Index(fields=['expires_at'], name='core_throttle_expires_idx')],
            },
        ),
        migrations.RunSQL("ALTER TABLE core_throttle_counter SET UNLOGGED", "ALTER TABLE core_throttle_counter SET LOGGED"),
        migrations.RunSQL(
            THROTTLE_HIT,
            "DROP FUNCTION core_throttle_hit(text, text, integer, double precision, interval)",
        ),
    ]
