"""Read functions and a read view of the change log for other apps (the tile cache), so they never name its tables.

- ``changes_latest_txid(channel)``: the channel's last committed txid as the calling statement's snapshot sees it
  (STABLE, so it shares the caller's snapshot; PARALLEL SAFE, so a parallel tile query stays parallel).
- ``changes_horizon_txid(channel)``: the oldest txid a reader can follow from (older events may be compacted).
- ``changes_pending(channel)``: whether the current transaction has written events not yet numbered (they get
  their txid at commit), i.e. it sees data no committed txid describes yet.
- ``changes_public_event_v (txid, entity, entity_id, operation, geom, old_geom)``: events of numbered (committed)
  transactions on the public channel.
"""

from django.db import migrations

FORWARD = """
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

CREATE OR REPLACE VIEW changes_public_event_v AS
SELECT t.txid, e.entity, e.entity_id, e.operation, e.geom, e.old_geom
FROM changes_transaction t JOIN changes_event e ON e.transaction_id = t.id
WHERE t.channel = 'public' AND t.txid IS NOT NULL;
"""

REVERSE = """
DROP VIEW IF EXISTS changes_public_event_v;
DROP FUNCTION IF EXISTS changes_pending(text);
DROP FUNCTION IF EXISTS changes_horizon_txid(text);
DROP FUNCTION IF EXISTS changes_latest_txid(text);
"""


class Migration(migrations.Migration):
    dependencies = [("changes", "0002_functions")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
