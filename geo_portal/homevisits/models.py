"""Home visits (到宅服務): requests by door plate, day plans with their stops in visiting order, the visiting
clerks' devices and the results they send back.

A request names a person (from the register, or typed in for a hospital or care home) and a door plate; it holds
personal data (name, contact, health needs in the notes), so it is read only by staff with the registry's read
permission and every read is written to the registry's access log (``selectors``). Plans are ordered by
``routing``; results arrive through the idempotent sync (``sync``), one row per UUID the device made.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class VisitRequest(models.Model):
    class Purpose(models.TextChoices):
        ID_CARD = "id_card", _("identity card")
        REGISTRATION = "registration", _("household registration case")
        OTHER = "other", _("other")

    class Urgency(models.TextChoices):
        # The order is the planning order: urgent requests are placed first and never dropped for a later one.
        URGENT = "urgent", _("urgent")
        SOON = "soon", _("soon")
        ROUTINE = "routine", _("routine")

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a plan")
        PLANNED = "planned", _("planned")
        VISITED = "visited", _("visited")
        CANCELLED = "cancelled", _("cancelled")

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person in the register"),
    )
    name = models.CharField(_("name"), max_length=60)
    plate = models.ForeignKey(
        "addresses.DoorPlate", on_delete=models.PROTECT, related_name="+", verbose_name=_("door plate")
    )
    unit = models.CharField(_("floor, room or bed"), max_length=60, blank=True)
    address_as_written = models.CharField(_("address as written"), max_length=200)
    purpose = models.CharField(_("what is to be done"), max_length=20, choices=Purpose.choices)
    purpose_note = models.CharField(_("details of what is to be done"), max_length=200, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # ISO weekdays (1 Monday … 7 Sunday); empty: any working day.
    preferred_days = ArrayField(models.SmallIntegerField(), verbose_name=_("preferred days"), default=list, blank=True)
    window_start = models.TimeField(_("not before"), null=True, blank=True)
    window_end = models.TimeField(_("not after"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=1000)
    requested_on = models.DateField(_("requested on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("entered at"), db_default=Now())
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    updated_at = models.DateTimeField(_("changed at"), db_default=Now())

    class Meta:
        verbose_name = _("home-visit request")
        verbose_name_plural = _("home-visit requests")
        permissions = [("view_visit_statistics", "Can see aggregated home-visit statistics")]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__isnull=True) | Q(window_end__isnull=True) | Q(window_start__lt=F("window_end")),
                name="visitrequest_window_ordered",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="visitrequest_name_not_empty"),
        ]
        indexes = [models.Index(fields=["status", "urgency"], name="visitrequest_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class DayPlan(models.Model):
    """A day's round from a service point and back, in visiting order (its stops)."""

    day = models.DateField(_("day"))
    service_point = models.ForeignKey(
        "offices.ServicePoint", on_delete=models.PROTECT, related_name="+", verbose_name=_("service point")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("visiting clerk")
    )
    start_time = models.TimeField(_("leaves the office at"))
    end_time = models.TimeField(_("back at the office by"))
    speed_kmh = models.FloatField(_("assumed speed (km/h, straight line)"), default=20)
    service_minutes = models.PositiveSmallIntegerField(_("minutes per visit"), default=20)
    total_m = models.FloatField(_("round length (m, straight line)"), default=0)
    return_time = models.TimeField(_("back at the office"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("planned by")
    )
    created_at = models.DateTimeField(_("planned at"), db_default=Now())
    updated_at = models.DateTimeField(_("changed at"), db_default=Now())

    class Meta:
        verbose_name = _("day plan")
        verbose_name_plural = _("day plans")
        ordering = ["-day", "id"]
        indexes = [models.Index(fields=["visitor", "day"], name="dayplan_visitor_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} #{self.pk}"


class PlanStop(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("not yet visited")
        DONE = "done", _("done")
        NOT_HOME = "not_home", _("not at home")
        POSTPONED = "postponed", _("postponed")
        # Left the round (cancelled, or no longer fitting after a re-plan) before any visit: the row stays, so that a
        # result a device recorded offline for it still finds its stop.
        REMOVED = "removed", _("removed from the round")

    plan = models.ForeignKey(DayPlan, on_delete=models.CASCADE, related_name="stops", verbose_name=_("day plan"))
    request = models.ForeignKey(VisitRequest, on_delete=models.PROTECT, related_name="stops", verbose_name=_("request"))
    # 1… in visiting order; stops removed from the round keep a number above the live ones.
    position = models.PositiveIntegerField(_("position"))
    arrive_at = models.TimeField(_("planned arrival"))
    leg_m = models.FloatField(_("straight line from the previous stop (m)"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_at = models.DateTimeField(_("outcome at"), null=True, blank=True)
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "request"], name="planstop_plan_request_uniq"),
            models.UniqueConstraint(fields=["plan", "position"], name="planstop_plan_position_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.position}"


class UnfitRequest(models.Model):
    """A request picked for a plan that the plan could not serve, and why (shown on the plan)."""

    class Reason(models.TextChoices):
        WINDOW = "window", _("its time window cannot be met from the office")
        NO_ROOM = "no_room", _("no place in the round keeps its window, the others' windows and the day's end")
        DAY = "day", _("the plan's day is not one of its preferred days")
        NOT_OPEN = "not_open", _("it is no longer waiting for a plan")

    plan = models.ForeignKey(DayPlan, on_delete=models.CASCADE, related_name="unfit", verbose_name=_("day plan"))
    request = models.ForeignKey(VisitRequest, on_delete=models.CASCADE, related_name="+", verbose_name=_("request"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("request not fitted")
        verbose_name_plural = _("requests not fitted")
        constraints = [models.UniqueConstraint(fields=["plan", "request"], name="unfitrequest_plan_request_uniq")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.request_id} {self.reason}"


class VisitDevice(models.Model):
    """A visiting clerk's phone or tablet, known by the UUID its app made; revoked, it gets nothing more."""

    uuid = models.UUIDField(_("device id"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("clerk"))
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    first_seen = models.DateTimeField(_("first seen"), db_default=Now())
    last_seen = models.DateTimeField(_("last seen"), db_default=Now())
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("visit device")
        verbose_name_plural = _("visit devices")
        constraints = [models.UniqueConstraint(fields=["uuid", "user"], name="visitdevice_uuid_user_uniq")]

    def __str__(self) -> str:
        return f"{self.user_id} {str(self.uuid)[:8]}"


class VisitResult(models.Model):
    """One outcome as the device recorded it (UUID made on the device: a resend stores nothing twice)."""

    uuid = models.UUIDField(_("record id"), unique=True)
    stop = models.ForeignKey(PlanStop, on_delete=models.PROTECT, related_name="results", verbose_name=_("stop"))
    device = models.ForeignKey(VisitDevice, on_delete=models.PROTECT, related_name="+", verbose_name=_("device"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=PlanStop.Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    observed_at = models.DateTimeField(_("recorded at"))
    received_at = models.DateTimeField(_("received at"), db_default=Now())
    # The registration case the visit leads to (a kind of registration event), opened as a registry draft.
    case_kind = models.CharField(_("registration case"), max_length=20, blank=True)
    registration_event = models.ForeignKey(
        "registry.RegistrationEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case_problem = models.CharField(_("why no draft was opened"), max_length=500, blank=True)
    digest = models.CharField(_("contents digest"), max_length=64)

    class Meta:
        verbose_name = _("visit result")
        verbose_name_plural = _("visit results")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["done", "not_home", "postponed"]), name="visitresult_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.uuid)
