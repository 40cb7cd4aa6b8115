"""History triggers for statement-level update events that plan their query on every statement.

pghistory's statement-level update trigger joins the statement's two transition tables (``old_values JOIN
new_values ON id``) to keep only the rows whose tracked fields changed. PL/pgSQL plans a static query once per
session and keeps the plan, sized for the transition tables of the first statement that fired the trigger. When
that statement touched no row or a handful (an UPDATE that matched nothing fires a statement trigger too), the kept
plan is a nested loop, and a later statement in the same session that updates 100,000 plates compares every old
row with every new one: measured here, 3,000 rows took 2.1 s and 5,000 rows 5.2 s in the trigger alone after a
0-row update, and a re-import that rewrote the district's 108,000 plates ran for over ten minutes. A long-lived
connection (the job worker, a web process) carries such a plan from a one-plate edit to a bulk job.

``UpdateEvent`` here is pghistory's, with the trigger's statement run through ``EXECUTE``: planned each time with
the transition tables' real sizes (hash join for many rows, nested loop for a few), for ~0.5 ms of planning.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from pghistory.trigger import Event

_TAG = "$pgh_statement$"


class _EventPlannedEachTime(Event):
    """pghistory's event trigger; at statement level its query is dynamic SQL (see the module docstring)."""

    def render_func(self, model) -> str:
        body = super().render_func(model)
        if self.level != pgtrigger.Statement:
            return body
        statement, returns, rest = body.rpartition("RETURN NULL;")
        if not returns or rest.strip() or _TAG in statement:
            # pghistory's trigger body changed shape: fail at start-up rather than install a broken trigger.
            raise RuntimeError(f"unexpected pghistory trigger body for {self.name}: {body[:200]}")
        statement = statement.strip().removesuffix(";")
        return f"EXECUTE {_TAG}{statement}{_TAG}; RETURN NULL;"


class UpdateEvent(pghistory.UpdateEvent):
    """``pghistory.UpdateEvent`` whose statement-level trigger plans its query on every statement."""

    def add_event_trigger(self, event_model) -> None:
        # As pghistory's RowEvent.add_event_trigger, with the trigger class above.
        pgtrigger.register(
            _EventPlannedEachTime(
                event_model=event_model,
                label=self.label,
                name=self.trigger_name,
                row=self.row,
                operation=self.operation,
                condition=self.condition,
                level=self.level,
            )
        )(event_model.pgh_tracked_model)
