"""The read functions of 0003 in PL/pgSQL, same bodies and volatility.

A SQL function whose body has a subquery is never inlined, and PostgreSQL (before 18) plans its body again in every
statement that calls it: ~0.1 ms per call, twice in each tile lookup (``changes_latest_txid``, ``changes_pending``).
PL/pgSQL keeps each body's plan for the session. STABLE either way: the body reads with the calling statement's
snapshot, so what 0003 says about one snapshot still holds.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION changes_latest_txid(p_channel text) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT last_txid FROM changes_channel WHERE name = p_channel), 0);
END
$$;

CREATE OR REPLACE FUNCTION changes_horizon_txid(p_channel text) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT horizon_txid FROM changes_channel WHERE name = p_channel), 0);
END
$$;

CREATE OR REPLACE FUNCTION changes_pending(p_channel text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM changes_transaction
        WHERE id = nullif(current_setting('changes.tx_' || p_channel, true), '')::bigint AND txid IS NULL
    );
END
$$;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION changes_latest_txid(p_channel text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT last_txid FROM changes_channel WHERE name = p_channel), 0)
$$;

CREATE OR REPLACE FUNCTION changes_horizon_txid(p_channel text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT horizon_txid FROM changes_channel WHERE name = p_channel), 0)
$$;

CREATE OR REPLACE FUNCTION changes_pending(p_channel text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM changes_transaction
        WHERE id = nullif(current_setting('changes.tx_' || p_channel, true), '')::bigint AND txid IS NULL
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("changes", "0005_event_key")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
