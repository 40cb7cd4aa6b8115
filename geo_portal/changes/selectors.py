"""Reads of the change log for the public feed, its snapshots and the tile cache.

Only numbered (committed) transactions are read, so a reader sees txids and seqs as a gap-free prefix. Event
geometry is stored in EPSG:3826 and returned as GeoJSON in WGS84 (RFC 7946, 6 decimals).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from geo_portal.changes.models import PUBLIC

ENTITIES = ("plate", "building", "village", "district", "road")


class BeyondRetention(ValueError):
    """The requested position is older than what the log keeps: start again from a snapshot."""


@dataclass(frozen=True)
class ChannelState:
    txid: int
    seq: int
    horizon_txid: int
    updated_at: datetime | None


@dataclass(frozen=True)
class FeedEvent:
    txid: int
    seq: int
    committed_at: datetime
    cause: str
    entity: str
    entity_id: int
    operation: str
    data: str  # JSON text
    geometry: str | None  # GeoJSON text in WGS84

    def as_json(self) -> dict:
        return {
            "txid": self.txid,
            "seq": self.seq,
            "committed_at": self.committed_at.isoformat(),
            "cause": self.cause.split(":", 1)[0],
            "entity": self.entity,
            "id": self.entity_id,
            "operation": self.operation,
            "data": json.loads(self.data) if self.operation != "delete" else None,
            "geometry": json.loads(self.geometry) if self.geometry else None,
        }


def channel_state(channel: str = PUBLIC) -> ChannelState:
    with connection.cursor() as cur:
        cur.execute("SELECT last_txid, last_seq, horizon_txid, updated_at FROM changes_channel WHERE name = %s", [channel])
        row = cur.fetchone()
    # A channel's row appears with its first committed transaction.
    return ChannelState(*row) if row else ChannelState(txid=0, seq=0, horizon_txid=0, updated_at=None)


def check_retention(txid: int, channel: str = PUBLIC) -> ChannelState:
    state = channel_state(channel)
    if txid < state.horizon_txid:
        raise BeyondRetention(
            f"txid {txid} is older than the change log keeps (it starts after txid {state.horizon_txid}); "
            f"load a snapshot (which gives its txid) and follow the changes from there"
        )
    if txid > state.txid:
        raise ValueError(f"txid {txid} is in the future: the latest txid is {state.txid}")
    return state


# Events with seq > after_seq, in order: transactions from the one holding seq after_seq + 1 on, by txid (index),
# each one's events by ordinal (index; an import's transaction holds 100,000 events), stopping at the limit.
_PAGE = """
WITH start AS (
    SELECT txid FROM changes_transaction
    WHERE channel = %(channel)s AND txid IS NOT NULL AND first_seq <= %(after_seq)s + 1
    ORDER BY first_seq DESC LIMIT 1
), limited AS (
    SELECT t.txid, t.first_seq + e.ordinal - 1 AS seq, t.committed_at, e.cause, e.entity, e.entity_id, e.operation,
           e.data, e.geom
    FROM (
        SELECT id, txid, first_seq, committed_at FROM changes_transaction
        WHERE channel = %(channel)s AND txid >= coalesce((SELECT txid FROM start), 0)
        ORDER BY txid LIMIT %(limit)s
    ) t
    CROSS JOIN LATERAL (
        SELECT * FROM changes_event e
        WHERE e.transaction_id = t.id AND e.ordinal > %(after_seq)s - t.first_seq + 1
        ORDER BY e.ordinal LIMIT %(limit)s
    ) e
    ORDER BY t.txid, e.ordinal LIMIT %(limit)s
)
"""

_EVENTS = (
    _PAGE
    + """SELECT txid, seq, committed_at, cause, entity, entity_id, operation, data::text,
       CASE WHEN geom IS NOT NULL THEN ST_AsGeoJSON(ST_Transform(geom, 4326), 6) END
FROM limited ORDER BY seq"""
)

# The same page as one JSON array built by PostgreSQL (the feed's hot path: no per-event Python objects).
_EVENTS_JSON = (
    _PAGE
    + """SELECT coalesce(json_agg(json_build_object(
           'txid', txid, 'seq', seq, 'committed_at', committed_at, 'cause', split_part(cause, ':', 1),
           'entity', entity, 'id', entity_id, 'operation', operation,
           'data', CASE WHEN operation <> 'delete' THEN data END,
           'geometry', CASE WHEN geom IS NOT NULL THEN ST_AsGeoJSON(ST_Transform(geom, 4326), 6)::json END
       ) ORDER BY seq), '[]')::text, max(seq), count(*)
FROM limited"""
)


def events_after(*, after_seq: int, limit: int, channel: str = PUBLIC) -> list[FeedEvent]:
    """Events with seq > ``after_seq`` in order, at most ``limit``."""
    with connection.cursor() as cur:
        cur.execute(_EVENTS, {"channel": channel, "after_seq": after_seq, "limit": limit})
        return [FeedEvent(*row) for row in cur.fetchall()]


def events_after_json(*, after_seq: int, limit: int, channel: str = PUBLIC) -> tuple[str, int | None, int]:
    """The same events as a JSON array (text), with the last seq in it (None when empty) and their number."""
    with connection.cursor() as cur:
        cur.execute(_EVENTS_JSON, {"channel": channel, "after_seq": after_seq, "limit": limit})
        return cur.fetchone()


def seq_before_txid(txid: int, channel: str = PUBLIC) -> int:
    """The last seq of transaction ``txid`` (so "after txid N" = "after that seq")."""
    if txid == 0:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT first_seq + event_count - 1 FROM changes_transaction WHERE channel = %s AND txid = %s", [channel, txid]
        )
        row = cur.fetchone()
        if row is None:  # compacted away: the last seq of the latest kept transaction at or before it
            cur.execute(
                "SELECT coalesce(max(first_seq + event_count - 1), 0) FROM changes_transaction "
                "WHERE channel = %s AND txid <= %s",
                [channel, txid],
            )
            row = cur.fetchone()
    return row[0]


_SNAPSHOT = """
SELECT entity_id, data, geojson FROM (
    SELECT DISTINCT ON (e.entity_id) e.entity_id, e.operation, e.data::text AS data,
           CASE WHEN e.geom IS NOT NULL THEN ST_AsGeoJSON(ST_Transform(e.geom, 4326), 6) END AS geojson
    FROM changes_event e JOIN changes_transaction t ON t.id = e.transaction_id
    WHERE t.channel = %(channel)s AND t.txid IS NOT NULL AND t.txid <= %(txid)s AND e.entity = %(entity)s
    ORDER BY e.entity_id, t.txid DESC, e.ordinal DESC
) latest WHERE operation <> 'delete' ORDER BY entity_id
"""


def snapshot(*, entity: str, txid: int, channel: str = PUBLIC, chunk: int = 10_000) -> Iterator[tuple[int, str, str | None]]:
    """Every entity of a kind as it was when transaction ``txid`` committed: (id, data as JSON text, GeoJSON geometry text).

    Rebuilt from the log itself (the latest event of each entity up to ``txid``), so it is exact for any txid
    the log still covers. Streams through a server-side cursor.
    """
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; entities are {', '.join(ENTITIES)}")
    check_retention(txid, channel)
    with connection.chunked_cursor() as cur:
        cur.itersize = chunk
        cur.execute(_SNAPSHOT, {"channel": channel, "txid": txid, "entity": entity})
        yield from cur


def txid_of_seq(seq: int, channel: str = PUBLIC) -> int:
    """The txid of the transaction holding event ``seq`` (0 for seq 0)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT coalesce(max(txid), 0) FROM changes_transaction WHERE channel = %s AND first_seq <= %s", [channel, seq]
        )
        return cur.fetchone()[0]
