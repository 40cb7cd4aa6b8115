"""Who reads personal data, why, from where: the ``Access`` every registry selector takes, and its log rows.

A page or an API endpoint builds an ``Access`` (the signed-in user, the purpose chosen in the UI or sent by the
client, its own name, the request id) and passes it to a selector; the selector checks it (``checked``), reads,
and writes one ``AccessLog`` row per person it returns (``log_reads``) — in the same transaction as the read, so
no read goes unlogged and no log row describes a read that failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils.translation import gettext as _

from geo_portal.registry.errors import AccessDenied, FieldError, RegistryRefused
from geo_portal.registry.models import AccessLog
from geo_portal.registry.sql import LOG_READS

READ = "accounts.read_personal_data"
Purpose = AccessLog.Purpose

# Field names as the log records them.
NAME, SEX, BIRTH_DATE, DEATH_DATE = "name", "sex", "birth_date", "death_date"
NATIONAL_ID, RELATION, HOUSEHOLD, ADDRESS, PERIOD, COUNT = (
    "national_id",
    "relation",
    "household",
    "address",
    "period",
    "count",
)
PERSON_FIELDS = (NAME, SEX, BIRTH_DATE, DEATH_DATE)


@dataclass(frozen=True)
class Access:
    """Who reads, why (``AccessLog.Purpose``), from which page or endpoint, in which request; ``note`` is a case
    or reference number when there is one."""

    user: AbstractBaseUser
    purpose: str
    endpoint: str
    request_id: str = ""
    note: str = ""


def checked(access: Access) -> Access:
    """The access, refused without the registry read permission, a known purpose or an endpoint; a request id
    is made when the caller has none (a management command)."""
    user = access.user
    if not (user.is_authenticated and user.is_active and user.has_perm(READ)):
        raise AccessDenied(_("%(user)s may not read personal data.") % {"user": user.get_username() or "anonymous"})
    errors = []
    if not access.purpose:
        errors.append(FieldError("purpose", _("say why you read this personal data")))
    elif access.purpose not in Purpose.values:
        errors.append(FieldError("purpose", _("unknown purpose %(value)r") % {"value": access.purpose}))
    if not access.endpoint:
        errors.append(FieldError("endpoint", _("is required (the page or endpoint that reads)")))
    if errors:
        raise RegistryRefused(errors)
    return replace(access, request_id=access.request_id or uuid.uuid4().hex, note=access.note.strip()[:200])


def log_params(access: Access, *, selector: str, fields: Sequence[str], note: str = "") -> dict:
    """The parameters of an access-log insert (``sql.LOG_READS`` or a read that logs in the same statement)."""
    return {
        "user": access.user.pk,
        "username": access.user.get_username(),
        "purpose": access.purpose,
        "note": " ".join(part for part in (access.note, f"({note})" if note else "") if part)[:200],
        "fields": list(fields),
        "selector": selector,
        "endpoint": access.endpoint[:200],
        "request_id": access.request_id[:64],
    }


def log_reads(
    access: Access, *, selector: str, person_ids: Sequence[int | None], fields: Sequence[str], note: str = ""
) -> int:
    """One log row per person read (``None``: a search that found nobody, or an aggregate); returns the count."""
    if not person_ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            LOG_READS, {**log_params(access, selector=selector, fields=fields, note=note), "persons": list(person_ids)}
        )
        return cur.rowcount
