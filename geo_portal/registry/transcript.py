"""The household transcript (戶籍謄本-like): a household's members on a date, with or without annotations (記事).

``household_transcript`` is a registry selector like the others: it checks the ``Access``, reads the household,
its current plate, its members (national IDs decrypted: a transcript prints them) and, when asked, the applied
registration events that concern the household or its members, and logs one access-log row per member naming
the fields printed (``annotations`` among them when the annotations are printed) — in the same transaction as the
read. ``printing.transcript_pdf`` turns the result into the A4 PDF. Called by the transcript page and tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.registry import identity, sql
from geo_portal.registry.access import (
    ADDRESS,
    HOUSEHOLD,
    NATIONAL_ID,
    PERSON_FIELDS,
    RELATION,
    Access,
    checked,
    log_reads,
)
from geo_portal.registry.errors import FieldError, RegistryRefused
from geo_portal.registry.models import Household, HouseholdAddress

ANNOTATIONS = "annotations"

# What each kind of event is called on the transcript (zh-Hant, English): printed in both languages always.
KIND_TEXT: dict[str, tuple[str, str]] = {
    "birth": ("出生登記", "birth registered"),
    "death": ("死亡登記", "death registered"),
    "move_in": ("遷入登記", "moved in"),
    "move_out": ("遷出登記", "moved out"),
    "address_change": ("住址變更登記", "address changed within the district"),
    "split": ("分戶登記", "household split"),
    "merge": ("合戶登記", "households merged"),
    "head_change": ("戶長變更登記", "head of household changed"),
    "renumbering": ("門牌整編", "door plates renumbered"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "living": ("共同生活戶", "joint living household"),
    "business": ("共同事業戶", "joint business household"),
    "single": ("單獨生活戶", "single living household"),
}
RELATION_TEXT: dict[str, tuple[str, str]] = {
    "head": ("戶長", "head"),
    "spouse": ("配偶", "spouse"),
    "son": ("子", "son"),
    "daughter": ("女", "daughter"),
    "father": ("父", "father"),
    "mother": ("母", "mother"),
    "grandson": ("孫", "grandson"),
    "granddaughter": ("孫女", "granddaughter"),
    "grandfather": ("祖父", "grandfather"),
    "grandmother": ("祖母", "grandmother"),
    "brother": ("兄弟", "brother"),
    "sister": ("姊妹", "sister"),
    "son_in_law": ("女婿", "son-in-law"),
    "daughter_in_law": ("媳", "daughter-in-law"),
    "relative": ("家屬", "family member"),
    "lodger": ("寄居", "lodger"),
    "employee": ("受雇人", "employee"),
}


@dataclass(frozen=True)
class TranscriptMember:
    person_id: int
    name: str
    sex: str
    birth_date: dt.date
    relation: str
    since: dt.date
    national_id: str
    synthetic: bool
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class Annotation:
    event_id: int
    kind: str
    effective_date: dt.date
    declared_on: dt.date


@dataclass(frozen=True)
class Transcript:
    household_id: int
    number: str
    kind: str
    address: str
    established: dt.date
    on: dt.date
    members: tuple[TranscriptMember, ...]
    with_annotations: bool
    household_annotations: tuple[Annotation, ...] = ()

    @property
    def synthetic(self) -> bool:
        return any(m.synthetic for m in self.members)


@transaction.atomic
def household_transcript(*, household_id: int, access: Access, annotations: bool, on: dt.date | None = None) -> Transcript:
    """The household and its members on ``on`` (today by default) for a transcript; with ``annotations``, the
    applied events of the household (those naming no member) and of each member, oldest first."""
    access = checked(access)
    day = on or timezone.localdate()
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise RegistryRefused(FieldError("household_id", _("there is no household %(id)s") % {"id": household_id}))
    address = HouseholdAddress.objects.filter(household=household, valid__contains=day).select_related("plate").first()
    if address is None:
        raise RegistryRefused(
            FieldError(
                "on", _("household %(number)s was not registered on %(date)s") % {"number": household.number, "date": day}
            )
        )
    with connection.cursor() as cur:
        cur.execute(sql.TRANSCRIPT_MEMBERS, {"household": household.pk, "on": day})
        rows = cur.fetchall()
        events = []
        if annotations and rows:
            cur.execute(sql.TRANSCRIPT_EVENTS, {"household": household.pk, "persons": [r[0] for r in rows]})
            events = cur.fetchall()
    of_person: dict[int, list[Annotation]] = {r[0]: [] for r in rows}
    of_household: list[Annotation] = []
    for event_id, kind, effective, declared, person_ids, household_ids in events:
        note = Annotation(event_id, kind, effective, declared)
        named = [p for p in person_ids if p in of_person]
        for p in named:
            of_person[p].append(note)
        if not named and household.pk in household_ids:
            of_household.append(note)
    members = tuple(
        TranscriptMember(
            person_id=r[0],
            name=r[1],
            sex=r[2],
            birth_date=r[3],
            relation=r[6],
            since=r[7],
            national_id=identity.reveal(r[8], r[9]),
            synthetic=r[5],
            annotations=tuple(of_person[r[0]]),
        )
        for r in rows
    )
    fields = (*PERSON_FIELDS, NATIONAL_ID, RELATION, HOUSEHOLD, ADDRESS) + ((ANNOTATIONS,) if annotations else ())
    log_reads(access, selector="household_transcript", person_ids=[m.person_id for m in members], fields=fields)
    return Transcript(
        household_id=household.pk,
        number=household.number,
        kind=household.kind,
        address=address.plate.address,
        established=household.period.lower,
        on=day,
        members=members,
        with_annotations=annotations,
        household_annotations=tuple(of_household),
    )
