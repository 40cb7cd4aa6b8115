"""Reads of registration events for the registrars' pages: the review queues (no personal data, no log) and one
event with its details decoded for review (personal data: logged like every other registry read).

Called by ``registry.web.events``; the queues also by the staff home page's counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from geo_portal.registry.access import HOUSEHOLD, NATIONAL_ID, PERSON_FIELDS, RELATION, Access, checked, log_reads
from geo_portal.registry.details import Details, from_json
from geo_portal.registry.errors import FieldError, RegistryRefused
from geo_portal.registry.models import EventDocument, EventTransition, Household, Person, RegistrationEvent

S = RegistrationEvent.Status


def events_to_review(*, user: AbstractBaseUser) -> QuerySet[RegistrationEvent]:
    """Submitted events that someone else submitted (what this registrar may review), oldest first."""
    return (
        RegistrationEvent.objects.filter(status=S.SUBMITTED)
        .exclude(submitted_by=user)
        .select_related("submitted_by")
        .order_by("submitted_at", "pk")
    )


def events_to_apply() -> QuerySet[RegistrationEvent]:
    return RegistrationEvent.objects.filter(status=S.APPROVED).select_related("reviewed_by").order_by("reviewed_at", "pk")


def own_open_events(*, user: AbstractBaseUser) -> QuerySet[RegistrationEvent]:
    """The user's drafts and submitted events still under review."""
    return RegistrationEvent.objects.filter(created_by=user, status__in=[S.DRAFT, S.SUBMITTED]).order_by(
        "-created_at", "-pk"
    )


def count_to_review(*, user: AbstractBaseUser) -> int:
    return events_to_review(user=user).count()


def counts_waiting() -> dict[str, int]:
    """Events waiting for a review and for being applied (the staff home page's counts)."""
    return {
        "submitted": RegistrationEvent.objects.filter(status=S.SUBMITTED).count(),
        "approved": RegistrationEvent.objects.filter(status=S.APPROVED).count(),
    }


@dataclass(frozen=True)
class EventView:
    event: RegistrationEvent
    details: Details
    persons: dict[int, Person]  # persons the event names, by id
    households: dict[int, Household]
    steps: tuple[EventTransition, ...]
    documents: tuple[EventDocument, ...]


@transaction.atomic
def event_for_review(*, event_id: int, access: Access) -> EventView:
    """An event with its details decoded (new persons' national IDs decrypted), the persons and households it names,
    its steps and documents. Logs each registered person shown, and one row for the new persons of the details."""
    access = checked(access)
    event = (
        RegistrationEvent.objects.select_related("created_by", "submitted_by", "reviewed_by", "applied_by")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise RegistryRefused(FieldError("event_id", _("there is no registration event %(id)s") % {"id": event_id}))
    details = from_json(event.kind, event.details)
    person_ids = set(event.person_ids) | _ids(details, "person_id", "new_head_id", "head_id")
    persons = Person.objects.in_bulk(sorted(person_ids))
    household_ids = set(event.household_ids) | _ids(details, "household_id", "into_household_id")
    households = Household.objects.select_related("plate").in_bulk(sorted(household_ids))
    view = EventView(
        event=event,
        details=details,
        persons=persons,
        households=households,
        steps=tuple(event.transitions.select_related("actor")),
        documents=tuple(event.documents.select_related("uploaded_by")),
    )
    selector = "event_for_review"
    log_reads(access, selector=selector, person_ids=sorted(persons), fields=(*PERSON_FIELDS, RELATION, HOUSEHOLD))
    if _has_new_persons(details):
        log_reads(
            access,
            selector=selector,
            person_ids=[None],
            fields=(*PERSON_FIELDS, NATIONAL_ID, RELATION),
            note=f"new persons of event #{event.pk}",
        )
    return view


def _ids(details: Details, *names: str) -> set[int]:
    """Person or household ids named anywhere in the details (top level and in member lists)."""
    found: set[int] = set()
    for name in names:
        value = getattr(details, name, None)
        if isinstance(value, int):
            found.add(value)
    if "person_id" in names:
        for group in ("returning", "relations", "members"):
            found.update(m.person_id for m in getattr(details, group, ()) or ())
        found.update(getattr(details, "person_ids", ()) or ())
    return found


def _has_new_persons(details: Details) -> bool:
    return bool(getattr(details, "child", None) or getattr(details, "newcomers", ()))


@transaction.atomic
def event_document(*, document_id: int, access: Access) -> EventDocument:
    """A scanned document of an event, for download; logged as a read of the event's persons (field ``document``)."""
    access = checked(access)
    document = EventDocument.objects.select_related("event").filter(pk=document_id).first()
    if document is None:
        raise RegistryRefused(FieldError("document_id", _("there is no document %(id)s") % {"id": document_id}))
    persons = document.event.person_ids or [None]
    log_reads(
        access,
        selector="event_document",
        person_ids=persons,
        fields=("document",),
        note=f"document {document.pk} of event #{document.event_id}",
    )
    return document
