"""The change log's database functions: capture triggers for owning apps, numbering at commit.

Owning apps (areas, addresses, buildings) declare a read view ``<app>_<entity>_public_v (id, data, geom)`` and
attach ``changes_capture`` to their table with ``capture_triggers_sql``; they never name this app's tables.

Why numbering at commit: events are inserted with their transaction's internal id and a position; the public
``txid`` and ``seq`` are taken from the channel's counter row by a deferred constraint trigger that fires when
the transaction commits. The counter's row lock is therefore held only from that moment through the commit, and
the next writer can take the next number only after this commit is visible — so readers see txids as a gap-free
prefix, whatever order writers started in (``pg_snapshot_xmin`` filtering was the alternative: it needs no lock
but leaves gaps from rolled-back transactions unless numbers are assigned later by a sequencer).
"""

from __future__ import annotations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION changes_setting(p_name text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('changes.' || p_name, true), '')
$$;

CREATE OR REPLACE FUNCTION changes_open(p_channel text) RETURNS bigint LANGUAGE plpgsql AS $$
-- The current transaction's row on a channel (created at its first event); its id lives in a transaction-local
-- setting, which a rolled-back savepoint also rolls back.
DECLARE
    tx bigint := nullif(current_setting('changes.tx_' || p_channel, true), '')::bigint;
    numbered boolean;
BEGIN
    IF tx IS NOT NULL THEN
        SELECT txid IS NOT NULL INTO numbered FROM changes_transaction WHERE id = tx;
        -- Numbered already (SET CONSTRAINTS ALL IMMEDIATE ran mid-transaction): later events get a new txid.
        IF numbered IS NULL OR numbered THEN tx := NULL; END IF;
    END IF;
    IF tx IS NULL THEN
        INSERT INTO changes_transaction (channel, event_count, actor, cause)
        VALUES (p_channel, 0, coalesce(current_setting('changes.actor', true), ''),
                coalesce(current_setting('changes.cause', true), ''))
        RETURNING id INTO tx;
        PERFORM set_config('changes.tx_' || p_channel, tx::text, true);
    END IF;
    RETURN tx;
END $$;

CREATE OR REPLACE FUNCTION changes_number() RETURNS trigger LANGUAGE plpgsql AS $$
-- Deferred to commit: take the channel's next txid and event numbers, or drop a transaction with no events.
DECLARE
    cnt integer;
    t bigint;
    s bigint;
BEGIN
    SELECT event_count INTO cnt FROM changes_transaction WHERE id = NEW.id AND txid IS NULL;
    IF cnt IS NULL THEN RETURN NULL; END IF;
    IF cnt = 0 THEN
        DELETE FROM changes_transaction WHERE id = NEW.id;
        RETURN NULL;
    END IF;
    -- An upsert, so a channel needs no set-up (and survives a test database flush).
    INSERT INTO changes_channel AS c (name, last_txid, last_seq, horizon_txid, updated_at)
    VALUES (NEW.channel, 1, cnt, 0, now())
    ON CONFLICT (name) DO UPDATE SET last_txid = c.last_txid + 1, last_seq = c.last_seq + cnt, updated_at = now()
    RETURNING last_txid, last_seq INTO t, s;
    UPDATE changes_transaction
    SET txid = t, first_seq = s - cnt + 1, committed_at = clock_timestamp(),
        actor = coalesce(nullif(current_setting('changes.actor', true), ''), actor),
        cause = coalesce(nullif(current_setting('changes.cause', true), ''), cause)
    WHERE id = NEW.id;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS changes_number_at_commit ON changes_transaction;
CREATE CONSTRAINT TRIGGER changes_number_at_commit AFTER INSERT ON changes_transaction
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION changes_number();

CREATE OR REPLACE FUNCTION changes_capture_related() RETURNS trigger LANGUAGE plpgsql AS $$
-- A link table changed (e.g. plate successors): an update event for each row it belongs to.
-- TG_ARGV: channel, entity, public view (id, data, geom), the link table's column naming the entity.
DECLARE
    tx bigint;
    base integer;
    added integer;
    rows_name text := CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END;
BEGIN
    tx := changes_open(TG_ARGV[0]);
    SELECT event_count INTO base FROM changes_transaction WHERE id = tx;
    EXECUTE format(
        'INSERT INTO changes_event '
        '(transaction_id, ordinal, entity, entity_id, operation, data, geom, old_geom, actor, cause) '
        'SELECT %s, %s + row_number() OVER (ORDER BY v.id), %L, v.id, %L, v.data, v.geom, NULL, %L, %L '
        'FROM %I v WHERE v.id IN (SELECT r.%I FROM %I r)',
        tx, base, TG_ARGV[1], 'update', changes_setting('actor'), changes_setting('cause'), TG_ARGV[2], TG_ARGV[3],
        rows_name);
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added > 0 THEN
        UPDATE changes_transaction SET event_count = event_count + added WHERE id = tx;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION changes_backfill(p_channel text, p_entity text, p_view text) RETURNS integer
LANGUAGE plpgsql AS $$
-- Insert events for every row that exists when capture starts (a migration's first snapshot).
DECLARE
    tx bigint;
    base integer;
    added integer;
BEGIN
    tx := changes_open(p_channel);
    SELECT event_count INTO base FROM changes_transaction WHERE id = tx;
    EXECUTE format(
        'INSERT INTO changes_event '
        '(transaction_id, ordinal, entity, entity_id, operation, data, geom, old_geom, actor, cause) '
        'SELECT %s, %s + row_number() OVER (ORDER BY v.id), %L, v.id, %L, v.data, v.geom, NULL, %L, %L FROM %I v',
        tx, base, p_entity, 'insert', changes_setting('actor'), changes_setting('cause'), p_view);
    GET DIAGNOSTICS added = ROW_COUNT;
    UPDATE changes_transaction SET event_count = event_count + added WHERE id = tx;
    RETURN added;
END $$;
"""

DROP_FUNCTIONS = """
DROP TRIGGER IF EXISTS changes_number_at_commit ON changes_transaction;
DROP FUNCTION IF EXISTS changes_backfill(text, text, text);
DROP FUNCTION IF EXISTS changes_capture_related();
DROP FUNCTION IF EXISTS changes_number();
DROP FUNCTION IF EXISTS changes_open(text);
DROP FUNCTION IF EXISTS changes_setting(text);
"""


_INSERT_EVENTS = (
    "INSERT INTO changes_event (transaction_id, ordinal, entity, entity_id, operation, data, geom, old_geom, actor, cause)"
)


def _capture_function(name: str, body: str) -> str:
    """A trigger function whose query is planned on every statement (``EXECUTE``; $1 is the change transaction, $2
    the events it held before). A static query's plan is kept for the session, sized for the transition tables of
    the first statement: kept from a 50,000-plate update, it scanned every plate for each later one-plate edit (60 ms
    here, seconds at national scale); kept from an update of nothing, it chose loops for the next bulk update.
    Planning costs ~1–2 ms a statement."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx bigint := changes_open(TG_ARGV[0]);
    base integer;
    added integer;
BEGIN
    SELECT event_count INTO base FROM changes_transaction WHERE id = tx;
    EXECUTE $capture${body}$capture$ USING tx, base;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added > 0 THEN
        UPDATE changes_transaction SET event_count = event_count + added WHERE id = tx;
    END IF;
    RETURN NULL;
END $$;"""


def capture_triggers_sql(
    *,
    table: str,
    entity: str,
    view: str,
    geom_column: str,
    public_columns: tuple[str, ...],
    channel: str = "public",
    operations: tuple[str, ...] = ("insert", "update", "delete"),
    functions_only: bool = False,
) -> str:
    """Capture functions and triggers for a table's inserts, updates and deletes on a channel.

    Called from the owning app's migration; every name is a code constant, never input. ``operations`` limits the
    capture (the registry publishes applied events only: updates that the view shows, on its private channel).
    ``functions_only``: the functions alone (``CREATE OR REPLACE``), for a migration that redefines them.
    """
    old_geom = f"o.{geom_column}" if geom_column else "NULL::geometry"
    moved = f"CASE WHEN o.{geom_column} IS DISTINCT FROM n.{geom_column} THEN o.{geom_column} END" if geom_column else "NULL"
    changed = (
        f"({', '.join(f'o.{c}' for c in public_columns)}) IS DISTINCT FROM ({', '.join(f'n.{c}' for c in public_columns)})"
    )
    who = "changes_setting('actor'), changes_setting('cause')"
    bodies = {
        "insert": f"""{_INSERT_EVENTS}
    SELECT $1, $2 + row_number() OVER (ORDER BY v.id), '{entity}', v.id, 'insert', v.data, v.geom, NULL, {who}
    FROM {view} v JOIN new_rows n ON n.id = v.id""",
        "update": f"""{_INSERT_EVENTS}
    SELECT $1, $2 + row_number() OVER (ORDER BY v.id), '{entity}', v.id, 'update', v.data, v.geom, {moved}, {who}
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN {view} v ON v.id = n.id
    WHERE {changed}""",
        "delete": f"""{_INSERT_EVENTS}
    SELECT $1, $2 + row_number() OVER (ORDER BY o.id), '{entity}', o.id, 'delete', jsonb_build_object('id', o.id),
           NULL, {old_geom}, {who}
    FROM old_rows o""",
    }
    referencing = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
    }
    unknown = set(operations) - bodies.keys()
    if unknown:
        raise ValueError(f"unknown operations {sorted(unknown)}; known: insert, update, delete")
    parts = []
    for op, body in bodies.items():
        if op not in operations:
            continue
        function = f"changes_capture_{entity}_{op}"
        parts.append(_capture_function(function, body))
        if functions_only:
            continue
        parts.append(
            f"CREATE TRIGGER changes_{entity}_{op} AFTER {op.upper()} ON {table} {referencing[op]}\n"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}('{channel}');"
        )
    return "\n".join(parts)


def drop_capture_triggers_sql(*, table: str, entity: str) -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS changes_{entity}_{op} ON {table}; DROP FUNCTION IF EXISTS changes_capture_{entity}_{op}();"
        for op in ("insert", "update", "delete")
    )


def related_capture_triggers_sql(
    *, table: str, entity: str, view: str, column: str, name: str, channel: str = "public"
) -> str:
    """Triggers on a link table: an update event for the entity a link row belongs to."""
    args = f"'{channel}', '{entity}', '{view}', '{column}'"
    return f"""
CREATE TRIGGER changes_{name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION changes_capture_related({args});
CREATE TRIGGER changes_{name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION changes_capture_related({args});
"""


def drop_related_capture_triggers_sql(*, table: str, name: str) -> str:
    return "\n".join(f"DROP TRIGGER IF EXISTS changes_{name}_{op} ON {table};" for op in ("insert", "delete"))
