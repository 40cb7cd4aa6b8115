"""The register's read SQL (parameters only; every identifier is a constant here).

Plates are passed as an array and joined through ``unnest … WITH ORDINALITY``: one index probe per plate on the
GiST indexes (plate, period) and (household, period), in the caller's order (an entrance, then its floors and
units). ``@>`` on a date range is "on that date", ``&&`` "at some time in the period". The door plates' table is
shared by ``addresses`` with the apps above it. Ids compared with a GiST-indexed column are cast to bigint: the
btree_gist operator class knows bigint = bigint only, and an untyped literal (int4) would turn the index scan into a
sequential scan.
"""

from __future__ import annotations

# Residents (memberships) at the plates on a date: one row per person and plate, in plate order.
RESIDENTS_ON = """
SELECT p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, p.national_id_encrypted, p.national_id_key,
       m.relation, lower(m.valid), upper(m.valid), h.id, h.number, h.kind, h.head_id, q.plate_id, lower(ha.valid)
FROM unnest(%(plates)s::bigint[]) WITH ORDINALITY AS q(plate_id, ord)
JOIN registry_householdaddress ha ON ha.plate_id = q.plate_id AND ha.valid @> %(on)s::date
JOIN registry_household h ON h.id = ha.household_id
JOIN registry_membership m ON m.household_id = ha.household_id AND m.valid @> %(on)s::date
JOIN registry_person p ON p.id = m.person_id
ORDER BY q.ord, h.number, m.relation <> 'head', p.birth_date, p.id
"""

# The same for one plate, with its access-log rows written by the same statement (the hot path: one round trip).
RESIDENTS_ON_LOGGED = """
WITH found AS (
    SELECT row_number() OVER (ORDER BY h.number, m.relation <> 'head', p.birth_date, p.id) AS ord,
           p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, m.relation, h.number
    FROM registry_householdaddress ha
    JOIN registry_household h ON h.id = ha.household_id
    JOIN registry_membership m ON m.household_id = ha.household_id AND m.valid @> %(on)s::date
    JOIN registry_person p ON p.id = m.person_id
    WHERE ha.plate_id = %(plate)s::bigint AND ha.valid @> %(on)s::date
), logged AS (
    INSERT INTO registry_accesslog (at, user_id, username, purpose, note, person_id, fields, selector, endpoint,
                                    request_id)
    SELECT now(), %(user)s, %(username)s, %(purpose)s, %(note)s, id, %(fields)s::varchar[], %(selector)s,
           %(endpoint)s, %(request_id)s
    FROM found
)
SELECT id, name, sex, birth_date, death_date, synthetic, relation, number FROM found ORDER BY ord
"""

# A household's members on a date, head first.
HOUSEHOLD_MEMBERS = """
SELECT p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, m.relation, lower(m.valid)
FROM registry_membership m
JOIN registry_person p ON p.id = m.person_id
WHERE m.household_id = %(household)s AND m.valid @> %(on)s::date
ORDER BY m.relation <> 'head', p.birth_date, p.id
"""

# Residents at the plates at some time in [start, end): each stretch a person lived there (membership ∩ the
# household's address ∩ the period asked for).
RESIDENTS_DURING = """
SELECT p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, m.relation, h.number, q.plate_id,
       lower(m.valid * ha.valid * r.period), upper(m.valid * ha.valid * r.period)
FROM (SELECT daterange(%(start)s::date, %(end)s::date) AS period) r
CROSS JOIN unnest(%(plates)s::bigint[]) WITH ORDINALITY AS q(plate_id, ord)
JOIN registry_householdaddress ha ON ha.plate_id = q.plate_id AND ha.valid && r.period
JOIN registry_household h ON h.id = ha.household_id
JOIN registry_membership m ON m.household_id = ha.household_id AND m.valid && ha.valid AND m.valid && r.period
JOIN registry_person p ON p.id = m.person_id
WHERE NOT isempty(m.valid * ha.valid * r.period)
ORDER BY q.ord, lower(m.valid * ha.valid * r.period), h.number, p.birth_date, p.id
"""

# A person's addresses over time: each membership cut by the household's address periods.
PERSON_HISTORY = """
SELECT h.number, m.relation, ha.plate_id, d.address, lower(m.valid * ha.valid), upper(m.valid * ha.valid)
FROM registry_membership m
JOIN registry_householdaddress ha ON ha.household_id = m.household_id AND ha.valid && m.valid
JOIN registry_household h ON h.id = m.household_id
JOIN addresses_doorplate d ON d.id = ha.plate_id
WHERE m.person_id = %(person)s::bigint
ORDER BY lower(m.valid * ha.valid), m.id
"""

# Persons whose name starts with the text (C collation: the btree on name serves LIKE 'prefix%'), with where they
# are registered now (if anywhere).
PERSONS_BY_NAME = """
SELECT p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, h.number, d.address
FROM registry_person p
LEFT JOIN registry_membership m ON m.person_id = p.id AND upper_inf(m.valid)
LEFT JOIN registry_household h ON h.id = m.household_id
LEFT JOIN addresses_doorplate d ON d.id = h.plate_id
WHERE p.name LIKE %(pattern)s
ORDER BY p.name, p.birth_date, p.id
LIMIT %(limit)s
"""

PERSON_BY_HASH = """
SELECT p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, p.national_id_encrypted, p.national_id_key,
       h.number, d.address
FROM registry_person p
LEFT JOIN registry_membership m ON m.person_id = p.id AND upper_inf(m.valid)
LEFT JOIN registry_household h ON h.id = m.household_id
LEFT JOIN addresses_doorplate d ON d.id = h.plate_id
WHERE p.national_id_hash = ANY(%(hashes)s::bytea[])
LIMIT 1
"""

# Per village of the district, the register on a date: households with members then, persons by sex. Plates
# without a village come out under a NULL village (counted, never dropped).
REGISTER_COUNTS = """
SELECT d.village_id, count(DISTINCT ha.household_id), count(*), count(*) FILTER (WHERE p.sex = 'M'),
       count(*) FILTER (WHERE p.sex = 'F')
FROM registry_householdaddress ha
JOIN addresses_doorplate d ON d.id = ha.plate_id
JOIN registry_membership m ON m.household_id = ha.household_id AND m.valid @> %(on)s::date
JOIN registry_person p ON p.id = m.person_id
WHERE ha.valid @> %(on)s::date AND d.district_id = %(district)s
GROUP BY d.village_id
"""

# The access log: one row per person read, written in the reading transaction (NULL person: a miss or a count).
LOG_READS = """
INSERT INTO registry_accesslog (at, user_id, username, purpose, note, person_id, fields, selector, endpoint, request_id)
SELECT now(), %(user)s, %(username)s, %(purpose)s, %(note)s, person_id, %(fields)s::varchar[], %(selector)s,
       %(endpoint)s, %(request_id)s
FROM unnest(%(persons)s::bigint[]) AS person_id
"""

# --- batch apply (services/batch.py) ----------------------------------------------------------------------------

# Ids for rows a batch creates, taken before they are written (a refused batch leaves gaps, as any sequence does).
NEXT_PERSON_IDS = "SELECT nextval(pg_get_serial_sequence('registry_person', 'id')) FROM generate_series(1, %s)"
NEXT_HOUSEHOLD_IDS = "SELECT nextval(pg_get_serial_sequence('registry_household', 'id')) FROM generate_series(1, %s)"

# Who holds any of these keyed hashes (the newcomers of a whole batch, under every hash key, at once).
HOLDERS = "SELECT national_id_hash, id FROM registry_person WHERE national_id_hash = ANY(%s::bytea[])"

# Events applied, one statement for a run of events in ascending id order (the capture trigger then writes each
# event's change-log row in the batch's order: it numbers a statement's rows by id). Ragged id lists travel as JSON.
EVENTS_APPLIED = """
UPDATE registry_registrationevent e
SET status = 'applied', version = e.version + 1, person_ids = r.persons, household_ids = r.households,
    plate_ids = r.plates, applied_by_id = %(actor_id)s, applied_at = %(at)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(id bigint, version integer, persons bigint[], households bigint[],
                                              plates bigint[])
WHERE e.id = r.id AND e.version = r.version AND e.status = 'approved'
"""


# --- household transcript (transcript.py) -------------------------------------------------------------------------

# The household's members on a date with what a transcript prints (national ID encrypted; decrypted by the caller).
TRANSCRIPT_MEMBERS = """
SELECT p.id, p.name, p.sex, p.birth_date, p.death_date, p.synthetic, m.relation, lower(m.valid),
       p.national_id_encrypted, p.national_id_key
FROM registry_membership m
JOIN registry_person p ON p.id = m.person_id
WHERE m.household_id = %(household)s AND m.valid @> %(on)s::date
ORDER BY m.relation <> 'head', p.birth_date, p.id
"""

# Applied events that concern the household or any of the persons (the transcript's annotations, 記事), oldest first.
TRANSCRIPT_EVENTS = """
SELECT e.id, e.kind, e.effective_date, e.declared_on, e.person_ids, e.household_ids
FROM registry_registrationevent e
WHERE e.status = 'applied'
  AND (e.household_ids @> ARRAY[%(household)s]::bigint[] OR e.person_ids && %(persons)s::bigint[])
ORDER BY e.effective_date, e.id
"""
