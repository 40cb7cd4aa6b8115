"""Throttle counters taken in leases: ``core_throttle_take`` grants up to ``p_n`` requests at once (as many as fit
under the limit), so a process serving a high rate asks PostgreSQL once per lease, not once per request."""

from django.db import migrations

THROTTLE_TAKE = """
CREATE OR REPLACE FUNCTION core_throttle_take(
    p_key text, p_previous text, p_limit integer, p_weight double precision, p_ttl interval, p_n integer
) RETURNS TABLE (granted integer, current_hits integer, previous_hits integer)
LANGUAGE plpgsql AS $$
DECLARE
    c integer;
    p integer;
    room integer;
BEGIN
    SELECT t.hits INTO p FROM core_throttle_counter t WHERE t.key = p_previous AND t.expires_at > now();
    p := coalesce(p, 0);
    INSERT INTO core_throttle_counter AS t (key, hits, expires_at) VALUES (p_key, 0, now() + p_ttl)
    ON CONFLICT (key) DO NOTHING;
    SELECT t.hits INTO c FROM core_throttle_counter t WHERE t.key = p_key FOR UPDATE;
    -- Whole requests that still fit: c + g + p * weight must stay at or below the limit (strictly below before
    -- each request, as the single-request rule "c + p * weight < limit").
    room := least(p_n, ceil(p_limit - c - p * p_weight)::integer);
    IF room < 1 THEN
        RETURN QUERY SELECT 0, c, p;
        RETURN;
    END IF;
    UPDATE core_throttle_counter SET hits = hits + room WHERE key = p_key;
    IF random() < 0.001 THEN
        DELETE FROM core_throttle_counter WHERE expires_at < now();
    END IF;
    RETURN QUERY SELECT room, c + room, p;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_cache_throttle_incidents")]
    operations = [
        migrations.RunSQL(
            THROTTLE_TAKE,
            "DROP FUNCTION core_throttle_take(text, text, integer, double precision, interval, integer)",
        ),
    ]
