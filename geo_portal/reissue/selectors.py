"""Reads of re-issuance: the fee in force, the staff's case lists and case page, cases ready to order, the public
status by reference (frozen dataclasses without any personal data) and counts for the staff home page.

The public reads (``public_status``, ``public_status_for_source``, ``report_case_progress``, ``report_status_note``
— the note a citizen report's status page shows, registered with ``reports.hooks`` in ``apps``) never touch the
applicant's table nor a step's note (staff write notes freely); they return the step, its dates and the plates'
public addresses. Called by the
services (the fee in force), the views, the staff home page and, for a citizen report's status, the public pages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Finding
from geo_portal.census.selectors import findings_needing_new_plate
from geo_portal.reissue.models import (
    Case,
    CasePlate,
    CaseStep,
    FeeSchedule,
    NoticeBatch,
    Payment,
    PlateKind,
    ProductionOrder,
    Receipt,
    Source,
)
from geo_portal.reissue.states import FINAL, OPEN, PUBLIC_PATH, State
from geo_portal.reports.hooks import StatusNote
from geo_portal.reports.selectors import ReportSummary, open_reports_naming_a_plate

REFERENCE = re.compile(r"^RI-\d{8}-[2-9A-HJKMNP-Z]{5}$")


def fee_in_force(*, plate_kind: str, on: dt.date) -> FeeSchedule | None:
    """The fee schedule's entry for ``plate_kind`` on ``on``: the latest one valid by then."""
    return FeeSchedule.objects.filter(plate_kind=plate_kind, valid_from__lte=on).order_by("-valid_from").first()


@dataclass(frozen=True)
class FeeRow:
    plate_kind: str
    label: str
    current: FeeSchedule | None
    upcoming: list[FeeSchedule]
    past: list[FeeSchedule]


def fee_table(*, on: dt.date | None = None) -> list[FeeRow]:
    """Per plate kind: the fee in force on ``on`` (today), the entries to come and those it replaced."""
    day = on or timezone.localdate()
    rows = []
    entries = list(FeeSchedule.objects.select_related("created_by").order_by("plate_kind", "-valid_from"))
    for kind in PlateKind:
        mine = [e for e in entries if e.plate_kind == kind.value]
        valid = [e for e in mine if e.valid_from <= day]
        current = valid[0] if valid else None
        rows.append(
            FeeRow(
                plate_kind=kind.value,
                label=str(kind.label),
                current=current,
                upcoming=sorted((e for e in mine if e.valid_from > day), key=lambda e: e.valid_from),
                past=valid[1:],
            )
        )
    return rows


def case_page(case_id: int) -> Case | None:
    """A case with everything its staff page shows (plates, applicant, steps with who, payments, receipts)."""
    return (
        Case.objects.select_related("clerk", "applicant", "order", "installation", "installation__recorded_by")
        .prefetch_related(
            Prefetch("plates", queryset=CasePlate.objects.select_related("plate").order_by("id")),
            Prefetch("steps", queryset=CaseStep.objects.select_related("actor").order_by("at", "id")),
            Prefetch("payments", queryset=Payment.objects.select_related("recorded_by", "refunded_by").order_by("id")),
            Prefetch("receipts", queryset=Receipt.objects.select_related("issued_by", "voided_by").order_by("id")),
        )
        .filter(pk=case_id)
        .first()
    )


def open_cases_of(plate_ids: list[int]) -> dict[int, str]:
    """Plate id → the reference of its open case, for the plates that have one."""
    rows = CasePlate.objects.filter(plate_id__in=plate_ids, is_open=True).values_list("plate_id", "case__reference")
    return dict(rows)


def case_list(*, state: str | None = None, overdue_on: dt.date | None = None) -> QuerySet[Case]:
    """Cases for the staff list: open ones by due date (or those in ``state``); overdue ones only when asked."""
    cases = Case.objects.select_related("clerk").prefetch_related(
        Prefetch("plates", queryset=CasePlate.objects.select_related("plate").order_by("id"))
    )
    cases = cases.filter(state=state) if state else cases.filter(state__in=OPEN)
    if overdue_on is not None:
        cases = cases.filter(due_on__lt=overdue_on)
    return cases.order_by("due_on", "opened_at", "id")


def state_counts() -> dict[str, int]:
    """Cases per state (every state, zero included)."""
    counts = dict(Case.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return {state: counts.get(state, 0) for state in State.values}


def ready_to_order() -> QuerySet[Case]:
    """Cases the plate maker can be asked for: paid, or fee assessed and waived; in no order yet."""
    return (
        Case.objects.filter(Q(state=State.PAID) | Q(state=State.FEE_ASSESSED, fee_waived=True), order__isnull=True)
        .prefetch_related(Prefetch("plates", queryset=CasePlate.objects.select_related("plate").order_by("id")))
        .order_by("opened_at", "id")
    )


def open_case_count() -> int:
    return Case.objects.filter(state__in=OPEN).count()


def overdue_count(*, today: dt.date | None = None) -> int:
    """Open cases whose current step is past its due date."""
    return Case.objects.filter(state__in=OPEN, due_on__lt=today or timezone.localdate()).count()


def orders() -> QuerySet[ProductionOrder]:
    return ProductionOrder.objects.select_related("created_by", "delivered_by").annotate(case_count=Count("cases"))


def order_plates(order: ProductionOrder) -> list[CasePlate]:
    """The order sheet's rows: every plate of the order's cases in route order (cancelled cases left out)."""
    return list(
        CasePlate.objects.filter(case__order=order)
        .exclude(case__state__in=[State.CANCELLED, State.REFUNDED])
        .select_related("case", "plate", "plate__village", "plate__neighborhood")
        .order_by("route_seq", "id")
    )


def findings_waiting() -> list[Finding]:
    """Accepted census findings that call for a new plate and have no case yet (the census hand-off)."""
    return list(findings_needing_new_plate().select_related("task__campaign"))


@dataclass(frozen=True)
class ReportWaiting:
    report: ReportSummary
    address: str


def reports_waiting() -> list[ReportWaiting]:
    """Open citizen reports of a missing or damaged plate that no case has taken yet, with the plate's address."""
    reports = open_reports_naming_a_plate(kinds=("missing", "damaged"))
    taken = set(
        Case.objects.filter(source=Source.CITIZEN_REPORT, source_id__in=[r.id for r in reports]).values_list(
            "source_id", flat=True
        )
    )
    addresses = dict(DoorPlate.objects.filter(pk__in=[r.plate_id for r in reports]).values_list("pk", "address"))
    return [ReportWaiting(r, addresses.get(r.plate_id, "")) for r in reports if r.id not in taken]


def waiting_count() -> int:
    """Census findings and citizen reports waiting for a case (the staff home page's count)."""
    return findings_needing_new_plate().count() + len(reports_waiting())


def ready_to_order_count() -> int:
    return ready_to_order().count()


def unsent_notice_batch_count() -> int:
    """Notice batches prepared and not yet recorded as sent or discarded (the staff home page's count)."""
    return NoticeBatch.objects.filter(status=NoticeBatch.Status.PREPARED).count()


# --- public ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    state: str
    label: str
    on: dt.date | None  # None: not reached yet
    current: bool


@dataclass(frozen=True)
class PublicStatus:
    """What anyone with the reference may see: the step, the expected date, the plates' public addresses."""

    reference: str
    state: str
    state_label: str
    opened_on: dt.date
    expected_on: dt.date | None
    fee_waived: bool
    steps: list[PublicStep]
    plate_addresses: list[str]
    over: bool


def normalise_reference(text: str) -> str | None:
    """``ri-20261202-7k3q9 `` → ``RI-20261202-7K3Q9``; None when it cannot be a reference."""
    ref = (text or "").strip().upper()
    return ref if REFERENCE.match(ref) else None


def _status(case: Case) -> PublicStatus:
    reached: dict[str, dt.date] = {}
    for to_state, at in CaseStep.objects.filter(case=case).order_by("at", "id").values_list("to_state", "at"):
        reached[to_state] = timezone.localdate(at)  # the latest time a state was entered (after a voided receipt)
    path = list(PUBLIC_PATH)
    if case.state == State.COLLECTED or State.COLLECTED in reached:
        path[path.index(State.INSTALLED)] = State.COLLECTED
    if case.fee_waived:
        path.remove(State.PAID)
    if case.state in (State.CANCELLED, State.REFUNDED):
        path = [s for s in path if s in reached] + [case.state]
    order = {s: i for i, s in enumerate(path)}
    here = order.get(case.state, 0)
    steps = [
        PublicStep(
            state=s, label=str(State(s).label), on=reached.get(s) if order[s] <= here else None, current=s == case.state
        )
        for s in path
    ]
    addresses = list(CasePlate.objects.filter(case=case).order_by("id").values_list("plate__address", flat=True))
    return PublicStatus(
        reference=case.reference,
        state=case.state,
        state_label=str(case.get_state_display()),
        opened_on=timezone.localdate(case.opened_at),
        expected_on=case.due_on,
        fee_waived=case.fee_waived,
        steps=steps,
        plate_addresses=addresses,
        over=case.state in FINAL,
    )


_PUBLIC_FIELDS = ("id", "reference", "state", "opened_at", "due_on", "fee_waived")


def public_status(reference: str) -> PublicStatus | None:
    """The public status of the case with this reference (any written case), or None."""
    ref = normalise_reference(reference)
    case = Case.objects.only(*_PUBLIC_FIELDS).filter(reference=ref).first() if ref else None
    return _status(case) if case else None


def public_status_for_source(*, source: str, source_id: int) -> PublicStatus | None:
    """The public status of the case opened from a census finding or citizen report (a report's status page)."""
    case = Case.objects.only(*_PUBLIC_FIELDS).filter(source=source, source_id=source_id).first()
    return _status(case) if case else None


@dataclass(frozen=True)
class ReportCaseProgress:
    """A citizen report's re-issue case as the report's public status page shows it: the case's public status and
    the path of the case's own status page — nothing else (no applicant, note or staff name)."""

    status: PublicStatus
    status_path: str  # /reissue/status/?ref=RI-…


def report_case_progress(*, report_id: int) -> ReportCaseProgress | None:
    """The progress of the case opened from the citizen report ``report_id`` (None when no case was opened from it).

    For the report's status page (``reports``, a lower app, must not import this one: it is handed this function
    through a hook it declares, or the page links to ``status_path``)."""
    status = public_status_for_source(source=Source.CITIZEN_REPORT, source_id=report_id)
    if status is None:
        return None
    return ReportCaseProgress(
        status=status, status_path=f"{reverse('reissue:status')}?{urlencode({'ref': status.reference})}"
    )


def report_status_note(report_id: int) -> StatusNote | None:
    """The note on a citizen report's public status page when a re-issue case was opened from the report: the case's
    reference, its step (and expected date while open) and a link to the case's public status page — nothing
    personal. Registered with ``reports.hooks.register_status_note`` (``ReissueConfig.ready``)."""
    progress = report_case_progress(report_id=report_id)
    if progress is None:
        return None
    status = progress.status
    text = _("The office opened re-issue case %(reference)s for this report; its step now: %(step)s.") % {
        "reference": status.reference,
        "step": status.state_label,
    }
    if status.expected_on and not status.over:
        text += " " + _("Expected by %(date)s.") % {"date": status.expected_on.isoformat()}
    return StatusNote(text=text, link_text=_("Follow the re-issue case"), link_path=progress.status_path)
