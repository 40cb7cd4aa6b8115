"""SQL for the door-plate import: staging tables, set-based checks and the one merge.

Parameters only; no identifier comes from input. Called by ``services.import_doorplates`` inside its
transaction; its tables are dropped at commit or rollback (temporary ones by PostgreSQL, a large file's unlogged
staging tables by ``DROP_BULK`` before the commit, or with the rolled-back transaction that made them).
"""

from __future__ import annotations

from geo_portal.core.geo import TAIWAN_BOUNDS_WGS84

# The rows as read, their checked form and the rows to merge: temporary tables, or for a large file unlogged ones
# (``{kind}``), which PostgreSQL's parallel workers can scan — temporary tables are the session's own — so that the
# checks and joins of a national file run on every core. Unlogged tables are dropped before the commit (DROP_BULK) and,
# made in this transaction, go at a rollback too. Neither kind writes WAL.
TEMP = "TEMP"
UNLOGGED = "UNLOGGED"
_ON_COMMIT = {TEMP: "ON COMMIT DROP", UNLOGGED: ""}


def create_stage(kind: str) -> str:
    return f"""
DROP TABLE IF EXISTS pg_temp.doorplate_stage;
CREATE {kind} TABLE doorplate_stage (
    row_no integer NOT NULL, district_id bigint NOT NULL, village_id bigint, hood integer,
    road_name text NOT NULL, road_base text NOT NULL, section integer, area text NOT NULL, lane text NOT NULL,
    alley text NOT NULL, number_prefix text NOT NULL, number integer NOT NULL, sub_number integer,
    number_suffix integer, floor integer, floor_unit text NOT NULL, floor_sub integer, street_key text COLLATE "C" NOT NULL,
    raw_road text NOT NULL,
    x double precision NOT NULL, y double precision NOT NULL, line_hash uuid NOT NULL
) {_ON_COMMIT[kind]};
"""


DROP_BULK = "DROP TABLE doorplate_stage, doorplate_work, doorplate_incoming"

CREATE_STAGE = """
DROP TABLE IF EXISTS pg_temp.doorplate_protected;
CREATE TEMP TABLE doorplate_protected (district_id bigint, address_key text) ON COMMIT DROP;
DROP TABLE IF EXISTS pg_temp.doorplate_unchanged;
CREATE TEMP TABLE doorplate_unchanged (
    id bigint NOT NULL, row_no integer NOT NULL, district_id bigint NOT NULL, address_key text COLLATE "C" NOT NULL
) ON COMMIT DROP;
DROP TABLE IF EXISTS pg_temp.doorplate_unmatched;
CREATE TEMP TABLE doorplate_unmatched (
    id bigint NOT NULL, district_id bigint NOT NULL, address_key text COLLATE "C" NOT NULL, source_batch_id bigint
) ON COMMIT DROP;
DROP TABLE IF EXISTS pg_temp.doorplate_scope;
"""

# The re-import that skips rows that did not change: every row's hash (``staging.line_hash``), then the active
# plates whose ``imported_line`` is one of them. Those rows are not parsed again: their plates are as the file says
# (staff's later edits are kept either way), and they count as listed for the retirement of absent plates. Where a
# file repeats a row, the first occurrence is the plate's; the others are read again (and refused as duplicates).
# Either pass leaves the active plates no line matched in ``doorplate_unmatched``: the other active plates are the
# unchanged ones.
#
# In the importer's process (files up to ``services.LINES_HASHED_IN_PROCESS`` lines): the file's digests hashed in
# Python, the active plates' memories read in one scan and matched there; only the unmatched plates are written.
# The planner's estimate of the plates' rows (0 before the first ANALYZE): whether their memories fit in the importer.
PLATES_ESTIMATE = "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'addresses_doorplate'::regclass"
# The active plates' memories packed into one value (id, district as 8-byte integers, the digest's 16 bytes; plates
# without one apart): the server scans and packs them on its own core while the importer hashes the file, and the
# importer reads one value instead of converting a row per plate.
ACTIVE_LINES = """
SELECT string_agg(int8send(id) || int8send(district_id) || uuid_send(imported_line), ''::bytea)
           FILTER (WHERE imported_line IS NOT NULL),
       array_agg(id) FILTER (WHERE imported_line IS NULL),
       array_agg(district_id) FILTER (WHERE imported_line IS NULL)
FROM addresses_doorplate WHERE status = 'active'
"""
ACTIVE_LINE_RECORD = ">qq16s"  # how ACTIVE_LINES packs a plate (struct format)
ADD_UNMATCHED = """
INSERT INTO doorplate_unmatched (id, district_id, address_key, source_batch_id)
SELECT id, district_id, address_key, source_batch_id FROM addresses_doorplate WHERE id = ANY(%(ids)s)
"""
# In the server (larger files, whose digests would not fit in the importer's memory):
CREATE_LINES = """
DROP VIEW IF EXISTS pg_temp.doorplate_lines;
DROP TABLE IF EXISTS pg_temp.doorplate_lines;
CREATE TEMP TABLE doorplate_lines (row_no integer NOT NULL, line_hash uuid) ON COMMIT DROP;
"""
# The file's lines as they are: CSV mode with a delimiter and quote that a door-plate file never holds, so no byte is
# interpreted; the identity numbers the lines in file order (1 is the header).
CREATE_RAW_LINES = """
DROP TABLE IF EXISTS pg_temp.doorplate_raw_lines;
CREATE TEMP TABLE doorplate_raw_lines (row_no integer GENERATED ALWAYS AS IDENTITY, line text) ON COMMIT DROP;
"""
COPY_RAW_LINES = "COPY doorplate_raw_lines (line) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
# The digests as a view over the raw lines (computed once, by the join that looks for them); {salt} is the
# import's fingerprint, 32 hex digits checked by the caller.
HASH_RAW_LINES = """
DROP TABLE pg_temp.doorplate_lines;
CREATE TEMP VIEW doorplate_lines AS
SELECT row_no, md5('{salt}' || line)::uuid AS line_hash FROM doorplate_raw_lines WHERE row_no > 1;
"""
HAS_LINE_MEMORY = "SELECT EXISTS (SELECT 1 FROM addresses_doorplate WHERE imported_line IS NOT NULL AND status = 'active')"
# One pass over the active plates: those a line matches are unchanged (the rowcount), the others (a few hundred in a
# monthly update) are kept apart as ``doorplate_unmatched``, the only plates the merge may retire — so retiring does
# not scan every plate again. OFFSET 0 keeps the lines a subquery of their own, so each line's digest is computed
# once: joined directly, the hash join computed the view's md5 twice for every matching line (to hash, to compare).
FIND_UNCHANGED = """
WITH linked AS MATERIALIZED (
    SELECT p.id, min(l.row_no) AS row_no, p.district_id, p.address_key, p.source_batch_id
    FROM addresses_doorplate p
    LEFT JOIN (SELECT row_no, line_hash FROM doorplate_lines OFFSET 0) l ON l.line_hash = p.imported_line
    WHERE p.status = 'active'
    GROUP BY p.id
), unmatched AS (
    INSERT INTO doorplate_unmatched (id, district_id, address_key, source_batch_id)
    SELECT id, district_id, address_key, source_batch_id FROM linked WHERE row_no IS NULL
)
INSERT INTO doorplate_unchanged (id, row_no, district_id, address_key)
SELECT id, row_no, district_id, address_key FROM linked WHERE row_no IS NOT NULL
"""
FORGET_UNCHANGED = "TRUNCATE doorplate_unchanged, doorplate_unmatched"
COUNT_LINES = "SELECT count(*) FROM doorplate_lines"
ROWS_TO_READ = """
SELECT l.row_no FROM doorplate_lines l
WHERE NOT EXISTS (SELECT 1 FROM doorplate_unchanged u WHERE u.row_no = l.row_no)
"""
UNCHANGED_DISTRICTS = "SELECT DISTINCT district_id FROM doorplate_unchanged"
# The line of each of these unchanged plates (a few: those whose address a row read again holds).
UNCHANGED_ROWS = "SELECT id, row_no FROM doorplate_unchanged WHERE id = ANY(%(ids)s)"

# The districts the file speaks for: those of the rows read and of the rows skipped as unchanged (found by the first
# pass).
CREATE_SCOPE = """
CREATE TEMP TABLE doorplate_scope ON COMMIT DROP AS
SELECT DISTINCT district_id FROM doorplate_stage UNION SELECT unnest(%(unchanged_districts)s::bigint[])
"""

# The same file as an applied import, and since then no plate written by anyone but imports and the zip-code job
# (staff who retire, create or move plates make the re-import read the file: it reports on their plates).
TOUCHED_SINCE = """
SELECT EXISTS (SELECT 1 FROM addresses_doorplate
               WHERE updated_at >= %(since)s AND updated_by NOT LIKE 'import batch %%' AND updated_by <> %(zip_actor)s)
"""

# The active plates after an import: a re-import of the same file checks nothing was deleted since (a count).
ACTIVE_PLATES = "SELECT count(*) FROM addresses_doorplate WHERE status = 'active'"

# What else decides how a row is read besides its own fields: the villages (codes, districts, boundaries, which
# assign villages by polygon). Part of each row's hash salt, so a changed village table makes every row read again.
AREAS_DIGEST = """
SELECT md5(coalesce(string_agg(concat_ws(':', id, district_id, code, name, md5(ST_AsEWKB(boundary))), ',' ORDER BY id), ''))
FROM areas_village
"""

# Coordinates → WGS84 (for the Taiwan check) and storage SRID; out-of-Taiwan points get no geometry. One pass:
# transforming to the file's own SRID is free in PostGIS, so each row costs one real transform.
_CREATE_WORK = f"""
DROP TABLE IF EXISTS pg_temp.doorplate_work;
CREATE {{kind}} TABLE doorplate_work {{on_commit}} AS
SELECT s.*, (s.street_key || '#' || coalesce(s.hood::text, '')) COLLATE "C" AS address_key, t.lonlat,
       CASE WHEN ST_X(t.lonlat) BETWEEN {TAIWAN_BOUNDS_WGS84[0]} AND {TAIWAN_BOUNDS_WGS84[2]}
             AND ST_Y(t.lonlat) BETWEEN {TAIWAN_BOUNDS_WGS84[1]} AND {TAIWAN_BOUNDS_WGS84[3]}
            THEN ST_Transform(p.point, 3826)::geometry(Point, 3826) END AS geom  -- from the source, no round trip
FROM doorplate_stage s
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.x, s.y), %(srid)s) AS point) p
CROSS JOIN LATERAL (SELECT ST_Transform(p.point, 4326) AS lonlat) t;
"""


def create_work(kind: str) -> str:
    return _CREATE_WORK.format(kind=kind, on_commit=_ON_COMMIT[kind])


# A re-import reads few rows: statistics for the joins with the plates and the skipped rows (cheap at that size).
ANALYZE_WORK = "ANALYZE doorplate_work"

OUTSIDE_TAIWAN = """
SELECT row_no, round(ST_X(lonlat)::numeric, 6)::text || ',' || round(ST_Y(lonlat)::numeric, 6)::text
FROM doorplate_work WHERE geom IS NULL ORDER BY row_no
"""

_DUPLICATES = """
SELECT row_no, first_row, street_key, hood FROM (
    SELECT row_no, street_key, hood, min(row_no) OVER (PARTITION BY district_id, address_key) AS first_row
    FROM doorplate_work w WHERE geom IS NOT NULL{among_read}
) t WHERE row_no <> first_row ORDER BY row_no
"""
DUPLICATES = _DUPLICATES.format(among_read="")
# When rows were skipped: among the rows read, those whose address no unchanged plate holds (DUPLICATES_OF_UNCHANGED
# found the others, given as %(of_unchanged)s).
DUPLICATES_AMONG_READ = _DUPLICATES.format(among_read=" AND row_no <> ALL(%(of_unchanged)s)")

# Rows read again whose address an unchanged (skipped) plate holds (active, remembering a line, matched by one; the
# unique index of active addresses finds it for each of the few rows read): a duplicate of that plate's row when it
# comes first. (Read rows that come before it would make the skipped row the duplicate: that import reads the whole
# file.) The plate's line number comes from the first pass (by its line digest or by its id).
DUPLICATES_OF_UNCHANGED = """
SELECT w.row_no, p.id, uuid_send(p.imported_line), w.street_key, w.hood FROM doorplate_work w
JOIN addresses_doorplate p ON p.district_id = w.district_id AND p.address_key = w.address_key AND p.status = 'active'
WHERE w.geom IS NOT NULL AND p.imported_line IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM doorplate_unmatched m WHERE m.id = p.id)
ORDER BY w.row_no
"""

PROTECT_REJECTED = """
INSERT INTO doorplate_protected (district_id, address_key)
SELECT district_id, address_key FROM doorplate_work WHERE row_no = ANY(%(rows)s)
"""

DELETE_ROWS = "DELETE FROM doorplate_work WHERE row_no = ANY(%(rows)s)"

# Rows with no village get the village polygon that covers them (when boundaries are loaded).
ASSIGN_VILLAGES = """
UPDATE doorplate_work w SET village_id = v.id
FROM areas_village v
WHERE w.village_id IS NULL AND v.district_id = w.district_id AND v.boundary IS NOT NULL
  AND ST_Covers(v.boundary, w.geom)
"""

OUTSIDE_VILLAGE = """
SELECT w.row_no, v.name FROM doorplate_work w JOIN areas_village v ON v.id = w.village_id
WHERE v.boundary IS NOT NULL AND NOT ST_Covers(v.boundary, w.geom) ORDER BY w.row_no
"""

# New roads, variant spellings and 鄰 go through the functions areas declares for them (areas owns the tables):
# each statement hands over the distinct rows as parallel arrays (built in one pass, so aligned) and answers how
# many rows were added.
ADD_ROADS = """
SELECT areas_add_roads(array_agg(district_id), array_agg(road_name), array_agg(road_base), array_agg(section))
FROM (SELECT DISTINCT district_id, road_name, road_base, section FROM doorplate_work WHERE road_name <> ''
      ORDER BY district_id, road_name) t
"""

# Variant spellings are read from every staged row: a row rejected as a duplicate still shows how people write it.
ADD_ROAD_VARIANTS = """
SELECT areas_add_road_aliases(array_agg(district_id), array_agg(road_name), array_agg(raw_road), 'variant')
FROM (SELECT DISTINCT district_id, road_name, raw_road FROM doorplate_stage WHERE raw_road <> ''
      ORDER BY district_id, road_name, raw_road) t
"""

ADD_NEIGHBORHOODS = """
SELECT areas_add_neighborhoods(array_agg(village_id), array_agg(hood))
FROM (SELECT DISTINCT village_id, hood FROM doorplate_work WHERE village_id IS NOT NULL AND hood IS NOT NULL
      ORDER BY village_id, hood) t
"""

_CREATE_INCOMING = """
DROP TABLE IF EXISTS pg_temp.doorplate_incoming;
CREATE {kind} TABLE doorplate_incoming {on_commit} AS
SELECT w.*, r.id AS road_id, n.id AS neighborhood_id, c.name || d.name || w.street_key AS address
FROM doorplate_work w
JOIN areas_district d ON d.id = w.district_id
JOIN areas_county c ON c.id = d.county_id
LEFT JOIN areas_road r ON r.district_id = w.district_id AND r.name = w.road_name
LEFT JOIN areas_neighborhood_v n ON n.village_id = w.village_id AND n.number = w.hood
"""


def create_incoming(kind: str) -> str:
    return _CREATE_INCOMING.format(kind=kind, on_commit=_ON_COMMIT[kind])


# The active plates before the merge, in the file's districts and in all (one scan: the count after the merge is
# this one plus the plates added and restored, less those retired).
SCOPE = "SELECT district_id FROM doorplate_scope"
ACTIVE_IN_SCOPE = """
SELECT count(*) FILTER (WHERE district_id IN (SELECT district_id FROM doorplate_scope)), count(*)
FROM addresses_doorplate WHERE status = 'active'
"""

# Plates staff created (never in a file: no source batch) are not retired for being absent from one.
_TO_RETIRE = """
FROM addresses_doorplate p
WHERE p.status = 'active' AND p.district_id IN (SELECT district_id FROM doorplate_scope)
  AND p.source_batch_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM doorplate_incoming i WHERE i.district_id = p.district_id AND i.address_key = p.address_key)
  AND NOT EXISTS (SELECT 1 FROM doorplate_protected k WHERE k.district_id = p.district_id AND k.address_key = p.address_key)
"""
# Listed once (counted, then retired by id): one scan of the plates, not two.
CREATE_TO_RETIRE = (
    "DROP TABLE IF EXISTS pg_temp.doorplate_to_retire; CREATE TEMP TABLE doorplate_to_retire ON COMMIT DROP AS "
    "SELECT p.id " + _TO_RETIRE
)
# The same when rows were skipped: the active plates no line matched (the first pass) are the only candidates.
CREATE_TO_RETIRE_UNMATCHED = """
DROP TABLE IF EXISTS pg_temp.doorplate_to_retire;
CREATE TEMP TABLE doorplate_to_retire ON COMMIT DROP AS
SELECT p.id FROM doorplate_unmatched p
WHERE p.district_id IN (SELECT district_id FROM doorplate_scope) AND p.source_batch_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM doorplate_incoming i WHERE i.district_id = p.district_id AND i.address_key = p.address_key)
  AND NOT EXISTS (SELECT 1 FROM doorplate_protected k WHERE k.district_id = p.district_id AND k.address_key = p.address_key)
"""
RETIRE = (
    "UPDATE addresses_doorplate SET status = 'retired', retired_on = %(today)s, retired_reason = %(reason)s, "
    "version = version + 1, updated_by = %(actor)s, updated_at = now() WHERE id IN (SELECT id FROM doorplate_to_retire)"
)

# The attributes an import sets besides the position, hashed: the plate's memory of the last import (imported_hash)
# tells a field staff changed since (current ≠ memory) from one the file changes (incoming ≠ memory).
_HASH = (
    "md5(concat_ws('|', coalesce({p}village_id::text, ''), coalesce({p}neighborhood_id::text, ''), "
    "coalesce({p}road_id::text, ''), {p}area, {p}address))"
)

# Active plates the file lists, with the three versions of each field group: incoming, current, last imported.
# (Plates loaded before the import memory existed count as unchanged since: memory = current.)
CREATE_MATCHED = f"""
DROP TABLE IF EXISTS pg_temp.doorplate_matched;
CREATE TEMP TABLE doorplate_matched ON COMMIT DROP AS
SELECT p.id, i.row_no, i.line_hash, i.geom AS in_geom, i.village_id, i.neighborhood_id, i.road_id, i.area, i.address,
       {_HASH.format(p="i.")} AS in_hash, {_HASH.format(p="p.")} AS cur_hash,
       coalesce(nullif(p.imported_hash, ''), {_HASH.format(p="p.")}) AS last_hash,
       p.geom AS cur_geom, coalesce(p.imported_geom, p.geom) AS last_geom, p.imported_geom, p.imported_hash,
       p.version, p.updated_by, p.updated_at, p.address AS cur_address
FROM doorplate_incoming i
JOIN addresses_doorplate p ON p.status = 'active' AND p.district_id = i.district_id AND p.address_key = i.address_key
"""

# Staff changed it since the last import AND the file changes it AND they disagree: keep staff's, report it.
CONFLICTS = """
SELECT row_no, id, version, updated_by, updated_at, 'location' AS field,
       round(ST_Distance(in_geom, cur_geom)::numeric, 1)::text AS detail
FROM doorplate_matched
WHERE cur_geom IS DISTINCT FROM last_geom AND in_geom IS DISTINCT FROM last_geom AND in_geom IS DISTINCT FROM cur_geom
UNION ALL
SELECT row_no, id, version, updated_by, updated_at, 'address', address || ' ≠ ' || cur_address
FROM doorplate_matched
WHERE cur_hash <> last_hash AND in_hash <> last_hash AND in_hash <> cur_hash
ORDER BY 1, 6
"""

_GEOM_FROM_FILE = "(m.cur_geom IS NOT DISTINCT FROM m.last_geom)"
_ATTRS_FROM_FILE = "(m.cur_hash = m.last_hash)"
_PUBLIC_CHANGE = (
    f"(({_GEOM_FROM_FILE} AND m.in_geom IS DISTINCT FROM m.cur_geom) OR ({_ATTRS_FROM_FILE} AND m.in_hash <> m.cur_hash))"
)
UPDATE_CHANGED = f"""
UPDATE addresses_doorplate p SET
    geom = CASE WHEN {_GEOM_FROM_FILE} THEN m.in_geom ELSE p.geom END,
    village_id = CASE WHEN {_ATTRS_FROM_FILE} THEN m.village_id ELSE p.village_id END,
    neighborhood_id = CASE WHEN {_ATTRS_FROM_FILE} THEN m.neighborhood_id ELSE p.neighborhood_id END,
    road_id = CASE WHEN {_ATTRS_FROM_FILE} THEN m.road_id ELSE p.road_id END,
    area = CASE WHEN {_ATTRS_FROM_FILE} THEN m.area ELSE p.area END,
    address = CASE WHEN {_ATTRS_FROM_FILE} THEN m.address ELSE p.address END,
    imported_geom = m.in_geom, imported_hash = m.in_hash, imported_line = m.line_hash,
    source_batch_id = CASE WHEN {_PUBLIC_CHANGE} THEN %(batch)s ELSE p.source_batch_id END,
    version = p.version + CASE WHEN {_PUBLIC_CHANGE} THEN 1 ELSE 0 END,
    updated_by = CASE WHEN {_PUBLIC_CHANGE} THEN %(actor)s ELSE p.updated_by END,
    updated_at = CASE WHEN {_PUBLIC_CHANGE} THEN now() ELSE p.updated_at END
FROM doorplate_matched m
WHERE p.id = m.id
  AND ({_PUBLIC_CHANGE} OR p.imported_geom IS DISTINCT FROM m.in_geom OR p.imported_hash IS DISTINCT FROM m.in_hash
       OR p.imported_line IS DISTINCT FROM m.line_hash)
RETURNING {_PUBLIC_CHANGE}
"""

# Listed again after an import retired it for being absent: the same plate comes back under its own id. A plate
# staff retired is not brought back by a file (a conflict instead).
CREATE_RETURNING = f"""
DROP TABLE IF EXISTS pg_temp.doorplate_returning;
CREATE TEMP TABLE doorplate_returning ON COMMIT DROP AS
SELECT DISTINCT ON (i.district_id, i.address_key) p.id, i.row_no, i.district_id, i.address_key, i.geom,
       i.village_id, i.neighborhood_id, i.road_id, i.area, i.address, {_HASH.format(p="i.")} AS in_hash, i.line_hash,
       p.updated_by LIKE 'import batch %%' AS by_import, p.version, p.updated_by, p.updated_at, p.retired_on
FROM doorplate_incoming i
JOIN addresses_doorplate p ON p.status = 'retired' AND p.district_id = i.district_id AND p.address_key = i.address_key
WHERE NOT EXISTS (SELECT 1 FROM addresses_doorplate a
                  WHERE a.status = 'active' AND a.district_id = i.district_id AND a.address_key = i.address_key)
ORDER BY i.district_id, i.address_key, p.retired_on DESC, p.id DESC
"""

RETIRED_BY_STAFF = """
SELECT row_no, id, version, updated_by, updated_at, retired_on FROM doorplate_returning WHERE NOT by_import ORDER BY row_no
"""

RESTORE = """
UPDATE addresses_doorplate p SET
    status = 'active', retired_on = NULL, retired_reason = '', geom = r.geom, village_id = r.village_id,
    neighborhood_id = r.neighborhood_id, road_id = r.road_id, area = r.area, address = r.address,
    imported_geom = r.geom, imported_hash = r.in_hash, imported_line = r.line_hash, source_batch_id = %(batch)s,
    version = p.version + 1,
    updated_by = %(actor)s, updated_at = now()
FROM doorplate_returning r WHERE p.id = r.id AND r.by_import
"""

_INSERT_ADDED = """
INSERT INTO addresses_doorplate (
    {id}district_id, village_id, neighborhood_id, road_id, area, lane, alley, number_prefix, number, sub_number,
    number_suffix, floor, floor_unit, floor_sub, street_key, address_key, address, geom, status, retired_reason,
    condition, imported_geom, imported_hash, imported_line, updated_by,
    source_batch_id, created_at, updated_at)
SELECT {id_value}i.district_id, i.village_id, i.neighborhood_id, i.road_id, i.area, i.lane, i.alley, i.number_prefix,
       i.number, i.sub_number, i.number_suffix, i.floor, i.floor_unit, i.floor_sub, i.street_key, i.address_key, i.address,
       i.geom, 'active', '', 'unknown', i.geom, {hash}, i.line_hash, %(actor)s, %(batch)s, now(), now()
FROM doorplate_incoming i
WHERE NOT EXISTS (SELECT 1 FROM addresses_doorplate p
                  WHERE p.status = 'active' AND p.district_id = i.district_id AND p.address_key = i.address_key)
  AND NOT EXISTS (SELECT 1 FROM doorplate_returning r WHERE r.district_id = i.district_id AND r.address_key = i.address_key)
{order}"""
# New plates get their ids in file order: from the sequence, row by row in the file's order.
INSERT_ADDED = _INSERT_ADDED.format(id="", id_value="", hash=_HASH.format(p="i."), order="ORDER BY i.row_no\n")
# A bulk load (the table locked by ``bulk_load_mode``, so nothing else draws ids) reserves a block of ids and numbers
# the plates by their line: the same file order, without sorting every wide row by its line first (a first national
# load: 3 GB sorted on disk). Lines that add no plate (rejected, repeated, already there) leave gaps.
RESERVE_IDS = """
SELECT nextval(pg_get_serial_sequence('addresses_doorplate', 'id')), min(row_no), max(row_no) FROM doorplate_incoming
"""
SET_LAST_ID = "SELECT setval(pg_get_serial_sequence('addresses_doorplate', 'id'), %(last)s)"
INSERT_ADDED_NUMBERED = _INSERT_ADDED.format(
    id="id, ", id_value="%(first_id)s + (i.row_no - %(first_row)s), ", hash=_HASH.format(p="i."), order=""
)

COUNT_INCOMING = "SELECT count(*) FROM doorplate_incoming"
# Statistics only for the merge's join keys: geometry statistics would cost more than the whole join.
ANALYZE_INCOMING = "ANALYZE doorplate_incoming (district_id, address_key)"

COUNT_TO_ADD = """
SELECT count(*) FROM doorplate_incoming i
WHERE NOT EXISTS (SELECT 1 FROM addresses_doorplate p
                  WHERE p.status = 'active' AND p.district_id = i.district_id AND p.address_key = i.address_key)
  AND NOT EXISTS (SELECT 1 FROM doorplate_returning r WHERE r.district_id = i.district_id AND r.address_key = i.address_key)
"""
TABLE_ROWS = "SELECT count(*) FROM addresses_doorplate"
# The plates' history (django-pghistory's event table, written by the plates' insert trigger).
HISTORY_TABLE = "addresses_doorplateevent"
HISTORY_ROWS = f"SELECT count(*) FROM {HISTORY_TABLE}"
# A large file's sorts (duplicates, the insert in file order, the change capture's) and a first load's index builds:
# memory of PostgreSQL's, for this transaction only; index builds with parallel workers.
BULK_LOAD_SETTINGS = """
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '1GB';
SET LOCAL max_parallel_maintenance_workers = 2;
"""
