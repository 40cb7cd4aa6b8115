"""Raw SQL of renumbering (its own tables only; parameters only)."""

# The items' new plates after the apply: one statement for the whole plan (bulk_update built a CASE per row).
SET_NEW_PLATES = """
UPDATE renumbering_planitem i SET new_plate_id = m.new_id
FROM unnest(%(old)s::bigint[], %(new)s::bigint[]) AS m(old_id, new_id)
WHERE i.plan_id = %(plan)s AND i.old_plate_id = m.old_id
"""
