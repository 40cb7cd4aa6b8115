"""The census app's raw SQL (its own tables only): marking superseded findings in one statement, and clearing a
campaign's tasks before it is split again."""

# Pending findings per (task, plate) among the given pairs, newest observation first; all but the first become
# superseded. Returns the ids marked.
SUPERSEDE_SQL = """
WITH pairs AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS p(task_id, plate_id)),
ranked AS (
    SELECT f.id, row_number() OVER (
        PARTITION BY f.task_id, f.plate_id ORDER BY f.observed_at DESC, f.received_at DESC, f.id DESC) AS rank
    FROM census_finding f JOIN pairs USING (task_id, plate_id)
    WHERE f.review = 'pending'
)
UPDATE census_finding f SET review = 'superseded' FROM ranked r WHERE f.id = r.id AND r.rank > 1
RETURNING f.id"""

# A campaign's tasks, stops and transitions, before a new split (refused once any work exists, so no finding
# refers to them). Three statements instead of the ORM's collector, which would load every stop first.
CLEAR_CAMPAIGN_SQL = (
    "DELETE FROM census_stop s USING census_task t WHERE s.task_id = t.id AND t.campaign_id = %s",
    "DELETE FROM census_tasktransition x USING census_task t WHERE x.task_id = t.id AND t.campaign_id = %s",
    "DELETE FROM census_task WHERE campaign_id = %s",
)
