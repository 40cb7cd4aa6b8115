"""Who and what caused the changes of the current transaction: ``change_context(actor=..., cause=...)``.

Services wrap their writes in it; the capture triggers copy both onto the transaction's change-log row. The values
are transaction-local database settings, so they vanish at commit or rollback and never leak to the next request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Cause(TextChoices):
    """Why plates or areas changed; later workflows add theirs (re-issue case, renumbering plan …)."""

    IMPORT_BATCH = "import_batch", _("import batch")
    ADMIN_EDIT = "admin_edit", _("admin edit")
    STAFF = "staff", _("staff service")
    CENSUS_TASK = "census_task", _("census task")
    REISSUE_CASE = "reissue_case", _("re-issue case")
    RENUMBERING_PLAN = "renumbering_plan", _("renumbering plan")
    REGISTRATION_EVENT = "registration_event", _("registration event")
    SYSTEM = "system", _("system job")


def cause_label(cause: str, ref: object | None = None) -> str:
    """``import_batch:12`` — the cause kind and the id of what caused it."""
    if cause not in Cause.values:
        raise ValueError(f"unknown cause {cause!r}; known: {', '.join(Cause.values)}")
    return f"{cause}:{ref}" if ref is not None else cause


@contextmanager
def change_context(*, actor: str, cause: str, ref: object | None = None) -> Iterator[None]:
    """Set actor and cause for the changes written inside (must run inside ``transaction.atomic``)."""
    if not connection.in_atomic_block:
        raise RuntimeError("change_context needs a transaction: wrap the writes in transaction.atomic()")
    label = cause_label(cause, ref)
    # The enclosing context (if any) is remembered here, not read back from the database: one round trip less.
    before = getattr(connection, "_geo_portal_change_context", ("", ""))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT set_config('changes.actor', %s, true), set_config('changes.cause', %s, true)", [actor[:150], label[:100]]
        )
    connection._geo_portal_change_context = (actor[:150], label[:100])
    try:
        yield
    finally:
        connection._geo_portal_change_context = before
        if connection.in_atomic_block and not connection.needs_rollback:
            with connection.cursor() as cur:
                cur.execute("SELECT set_config('changes.actor', %s, true), set_config('changes.cause', %s, true)", before)
