"""SQL of the office's census pages: the campaign map's GeoJSON (built whole by PostGIS), per-village progress and
the findings export. Parameters only; the census tables are our own, door plates and villages are read through the
tables their apps share. Called by ``office.selectors``.
"""

from __future__ import annotations

# One FeatureCollection of a campaign's task outlines in WGS84 (RFC 7946, 6 decimals), as text: PostgreSQL builds
# the JSON, so ~2,000 tasks cost one query and no Python per feature.
TASKS_GEOJSON = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', COALESCE(json_agg(json_build_object(
        'type', 'Feature',
        'id', t.id,
        'geometry', ST_AsGeoJSON(ST_Transform(t.geom, 4326), 6)::json,
        'properties', json_build_object(
            'number', t.number,
            'label', t.label,
            'state', t.state,
            'stops', t.stop_count,
            'assignee', u.username
        )
    ) ORDER BY t.number), '[]'::json)
)::text
FROM census_task t
LEFT JOIN auth_user u ON u.id = t.assignee_id
WHERE t.campaign_id = %(campaign)s AND t.state <> 'split'
"""

# Per village (of the entrance plate, as registered): stops, stops with a finding that stands (waiting or
# accepted), stops with an accepted finding.
VILLAGE_PROGRESS = """
SELECT v.name, count(*) AS stops,
       count(*) FILTER (WHERE st.checked) AS checked,
       count(*) FILTER (WHERE st.accepted) AS accepted
FROM (
    SELECT p.village_id,
           EXISTS (SELECT 1 FROM census_finding f
                   WHERE f.stop_id = s.id AND f.review IN ('pending', 'accepted')) AS checked,
           EXISTS (SELECT 1 FROM census_finding f
                   WHERE f.stop_id = s.id AND f.review = 'accepted') AS accepted
    FROM census_stop s
    JOIN census_task t ON t.id = s.task_id
    LEFT JOIN addresses_doorplate p ON p.id = s.plate_ids[1]
    WHERE t.campaign_id = %(campaign)s AND t.state <> 'split'
) st
LEFT JOIN areas_village v ON v.id = st.village_id
GROUP BY v.name
ORDER BY v.name NULLS LAST
"""

# One row per finding (superseded ones left out: a later observation replaced them), with the point where it was
# made: the surveyor's point when there is one, else the stop's. ``geom`` is WKB in EPSG:3826.
FINDINGS_EXPORT = """
SELECT f.uuid::text, t.number, t.label, s.seq, s.label, f.plate_id, p.address, f.kind, f.review, f.conflict,
       f.conflict_note, f.observed_at, f.received_at, su.username, f.source, f.written_address, f.skip_reason,
       f.note, ru.username, f.reviewed_at, f.review_note, f.outcome, f.needs_new_plate, f.reissue_ref,
       (f.photo <> '') AS has_photo,
       CASE WHEN f.point IS NOT NULL THEN 'finding' ELSE 'stop' END AS point_from,
       round(ST_X(ST_Transform(COALESCE(f.point, s.geom), 4326))::numeric, 6)::float8 AS lon,
       round(ST_Y(ST_Transform(COALESCE(f.point, s.geom), 4326))::numeric, 6)::float8 AS lat,
       ST_AsBinary(COALESCE(f.point, s.geom)) AS geom
FROM census_finding f
JOIN census_task t ON t.id = f.task_id
LEFT JOIN census_stop s ON s.id = f.stop_id
LEFT JOIN addresses_doorplate p ON p.id = f.plate_id
JOIN auth_user su ON su.id = f.surveyor_id
LEFT JOIN auth_user ru ON ru.id = f.reviewed_by_id
WHERE t.campaign_id = %(campaign)s AND f.review <> 'superseded'
ORDER BY t.number, s.seq NULLS LAST, f.observed_at, f.id
"""
