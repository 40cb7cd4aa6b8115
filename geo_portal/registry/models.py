"""The household register's tables: households at door plates, persons, memberships, registration events with their
documents and review, and the append-only access log.

Periods are PostgreSQL date ranges, half-open ``[from, to)``: a person who moves on day D is at the old household
until D − 1 and at the new one from D; a person who dies on D is listed through D (their membership ends at D + 1).
Exclusion constraints keep the periods honest in the database itself: nobody is in two households at once and a
household is at one door plate at a time. Written only by ``services`` (and the synthetic register's loader);
read through ``selectors``, which log every read of personal data.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from geo_portal.registry.storage import registry_documents_storage

HOUSEHOLD_NUMBER_PATTERN = r"^[A-Z]{1,2}[0-9]{6,7}$"  # 8 characters: a letter code and a number code


class Relation(models.TextChoices):
    """稱謂: how each member relates to the head (家屬 where no kinship term fits, 寄居 for non-relatives)."""

    HEAD = "head", _("head of household (戶長)")
    SPOUSE = "spouse", _("spouse (配偶)")
    SON = "son", _("son (子)")
    DAUGHTER = "daughter", _("daughter (女)")
    FATHER = "father", _("father (父)")
    MOTHER = "mother", _("mother (母)")
    GRANDSON = "grandson", _("grandson (孫)")
    GRANDDAUGHTER = "granddaughter", _("granddaughter (孫女)")
    GRANDFATHER = "grandfather", _("grandfather (祖父)")
    GRANDMOTHER = "grandmother", _("grandmother (祖母)")
    BROTHER = "brother", _("brother (兄弟)")
    SISTER = "sister", _("sister (姊妹)")
    SON_IN_LAW = "son_in_law", _("son-in-law (女婿)")
    DAUGHTER_IN_LAW = "daughter_in_law", _("daughter-in-law (媳)")
    RELATIVE = "relative", _("family member (家屬)")
    LODGER = "lodger", _("lodger (寄居)")
    EMPLOYEE = "employee", _("employee (受雇人)")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(models.Model):
    """A registered person. The national ID is stored encrypted (``crypto``) with a keyed hash for lookups."""

    national_id_encrypted = models.BinaryField(_("national ID (encrypted)"))
    national_id_key = models.SmallIntegerField(_("encryption key id"))
    national_id_hash = models.BinaryField(_("national ID (keyed hash)"))
    national_id_hash_key = models.SmallIntegerField(_("hash key id"))
    # C collation: exact and prefix searches by name use a plain btree index (LIKE 'prefix%').
    name = models.CharField(_("name"), max_length=40, db_collation="C")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic (generated, not a real person)"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    created_at = models.DateTimeField(_("created at"), db_default=Now())

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(fields=["national_id_hash"], name="person_national_id_hash_uniq"),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(death_date__gte=F("birth_date")), name="person_death_after_birth"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="person_name_not_empty"),
        ]
        indexes = [
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(fields=["national_id_key"], name="person_national_id_key_idx"),
            models.Index(fields=["national_id_hash_key"], name="person_national_id_hashkey_idx"),
        ]

    def __str__(self) -> str:
        return f"person {self.pk}"  # never the name: str() ends up in logs and error pages


class Household(models.Model):
    """A household (戶): its number (戶號), kind, head, the door plate it is registered at now, and its period.

    The plate is the current one; ``HouseholdAddress`` keeps every plate it was registered at, with dates.
    """

    class Kind(models.TextChoices):
        LIVING = "living", _("joint living household (共同生活戶)")
        BUSINESS = "business", _("joint business household (共同事業戶)")
        SINGLE = "single", _("single living household (單獨生活戶)")

    number = models.CharField(_("household number (戶號)"), max_length=8)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    head = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("head (戶長)"))
    plate = models.ForeignKey(
        "addresses.DoorPlate", on_delete=models.PROTECT, related_name="+", verbose_name=_("door plate"), db_index=False
    )
    period = DateRangeField(_("period"))
    synthetic = models.BooleanField(_("synthetic (generated)"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="household_number_uniq"),
            models.CheckConstraint(condition=Q(number__regex=HOUSEHOLD_NUMBER_PATTERN), name="household_number_format"),
            models.CheckConstraint(
                condition=Q(period__lower_inf=False, period__isempty=False), name="household_period_starts"
            ),
        ]
        indexes = [models.Index(fields=["plate"], name="household_plate_idx")]

    def __str__(self) -> str:
        return self.number


class HouseholdAddress(models.Model):
    """The door plate a household was registered at over a period (address history; one plate at a time)."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="addresses", verbose_name=_("household"), db_index=False
    )
    plate = models.ForeignKey(
        "addresses.DoorPlate", on_delete=models.PROTECT, related_name="+", verbose_name=_("door plate"), db_index=False
    )
    valid = DateRangeField(_("period"))

    class Meta:
        verbose_name = _("household address")
        verbose_name_plural = _("household addresses")
        constraints = [
            ExclusionConstraint(
                name="householdaddress_one_plate_at_a_time",
                expressions=[("household", RangeOperators.EQUAL), ("valid", RangeOperators.OVERLAPS)],
            ),
            models.CheckConstraint(
                condition=Q(valid__lower_inf=False, valid__isempty=False), name="householdaddress_starts"
            ),
        ]
        # Residents at a plate on a date: (plate = p AND valid @> d) in one GiST scan (btree_gist for the id). The
        # btree on the household serves the ORM, whose integer parameters the GiST operator class cannot compare.
        indexes = [
            GistIndex(fields=["plate", "valid"], name="householdaddress_plate_gist"),
            models.Index(fields=["household"], name="householdaddress_household_idx"),
        ]

    def __str__(self) -> str:
        return f"household {self.household_id} at plate {self.plate_id}"


class Membership(models.Model):
    """A person in a household over a period, with their relation to the head (稱謂)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person"), db_index=False
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("household"), db_index=False
    )
    relation = models.CharField(_("relation to the head (稱謂)"), max_length=20, choices=Relation.choices)
    valid = DateRangeField(_("period"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Nobody is registered in two households at once (its GiST index also serves a person's history).
            ExclusionConstraint(
                name="membership_one_household_at_a_time",
                expressions=[("person", RangeOperators.EQUAL), ("valid", RangeOperators.OVERLAPS)],
            ),
            models.CheckConstraint(condition=Q(valid__lower_inf=False, valid__isempty=False), name="membership_starts"),
            models.UniqueConstraint(
                fields=["household"], condition=Q(relation="head", valid__upper_inf=True), name="membership_one_open_head"
            ),
        ]
        # A household has a handful of memberships over its life: a btree on the household finds them, and the
        # period is filtered on those few rows (a GiST here cost 4 s per 222,000 rows to build, for nothing).
        # A person's memberships through a btree as well: the exclusion constraint's GiST index compares bigint with
        # bigint only, so the ORM's integer parameters could not use it.
        indexes = [
            models.Index(fields=["household"], name="membership_household_idx"),
            models.Index(fields=["person"], name="membership_person_idx"),
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} in household {self.household_id}"


class RegistrationEvent(models.Model):
    """A registration case (戶籍登記): entered by one registrar, approved by another, then applied atomically.

    ``details`` holds what the kind needs (``events.details``), national IDs of new persons encrypted. ``person_ids``,
    ``household_ids`` and ``plate_ids`` list the ids the event touches (new ones filled in when it is applied); the
    private change-log channel publishes those ids, never names or national IDs.
    """

    class Kind(models.TextChoices):
        BIRTH = "birth", _("birth (出生)")
        DEATH = "death", _("death (死亡)")
        MOVE_IN = "move_in", _("move-in (遷入)")
        MOVE_OUT = "move_out", _("move-out (遷出)")
        ADDRESS_CHANGE = "address_change", _("address change within the district (住址變更)")
        SPLIT = "split", _("household split (分戶)")
        MERGE = "merge", _("household merge (合戶)")
        HEAD_CHANGE = "head_change", _("change of head (戶長變更)")
        # Created only by applied renumbering plans (geo_portal.renumbering); event_create refuses it.
        RENUMBERING = "renumbering", _("renumbering (門牌整編)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        APPLIED = "applied", _("applied")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(_("effective date"))
    declared_on = models.DateField(_("declared on"))
    late = models.BooleanField(_("declared late"), default=False)
    details = models.JSONField(_("details"))
    person_ids = ArrayField(models.BigIntegerField(), default=list, verbose_name=_("persons"))
    household_ids = ArrayField(models.BigIntegerField(), default=list, verbose_name=_("households"))
    plate_ids = ArrayField(models.BigIntegerField(), default=list, verbose_name=_("door plates"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("submitted by"),
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("applied by"),
    )  # fmt: skip
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("register_events", "Can enter and submit registration events"),
            ("review_events", "Can approve or reject registration events"),
        ]
        constraints = [
            # Two people for every registration: the reviewer is never the one who submitted.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("submitted_by")),
                name="registrationevent_reviewer_not_submitter",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_by__isnull=False, submitted_at__isnull=False),
                name="registrationevent_submitted_has_submitter",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]) | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="registrationevent_reviewed_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_by__isnull=False, applied_at__isnull=False),
                name="registrationevent_applied_has_date",
            ),
            models.CheckConstraint(
                condition=Q(declared_on__gte=F("effective_date")), name="registrationevent_declared_after_event"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="regevent_status_idx"),
            GinIndex(fields=["person_ids"], name="regevent_persons_gin"),
            GinIndex(fields=["household_ids"], name="regevent_households_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class EventTransition(models.Model):
    """One step of a registration event's review: who moved it from which status to which, when, with what note."""

    event = models.ForeignKey(
        RegistrationEvent, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("registration event")
    )
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("registration event step")
        verbose_name_plural = _("registration event steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class EventDocument(models.Model):
    """A scanned document of a registration event, in private storage (no public URL; type checked by content)."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("application form (申請書)")
        BIRTH_CERTIFICATE = "birth_certificate", _("birth certificate (出生證明書)")
        DEATH_CERTIFICATE = "death_certificate", _("death certificate (死亡證明書)")
        IDENTITY = "identity", _("identity document (身分證明)")
        TENANCY = "tenancy", _("proof of residence (居住證明)")
        OTHER = "other", _("other")

    event = models.ForeignKey(
        RegistrationEvent, on_delete=models.PROTECT, related_name="documents", verbose_name=_("registration event")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), storage=registry_documents_storage, upload_to="events/%Y/%m")
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration document")
        verbose_name_plural = _("registration documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class AccessLog(models.Model):
    """One read of one person's data: who, when, why, which fields, from which page or endpoint (append-only).

    Written by the registry's selectors in the same transaction as the read. ``person`` is empty for a search that
    found nobody and for aggregate reads (counts). A database trigger refuses updates and deletes.
    """

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("registration case (登記案件)")
        CERTIFICATE = "certificate", _("transcript or certificate (謄本核發)")
        VERIFICATION = "verification", _("data verification (資料查核)")
        AGENCY = "agency", _("request from another agency (機關查詢)")
        CITIZEN = "citizen", _("request of the person concerned (當事人申請)")
        HOME_VISIT = "home_visit", _("home visit (訪視)")
        AUDIT = "audit", _("audit or supervision (稽核)")
        STATISTICS = "statistics", _("statistics (統計)")

    at = models.DateTimeField(_("at"), db_default=Now())
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("read by"), db_index=False
    )
    username = models.CharField(_("user name"), max_length=150)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    note = models.CharField(_("case or reference"), max_length=200, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person"),
        db_index=False,
    )  # fmt: skip
    fields = ArrayField(models.CharField(max_length=30), verbose_name=_("fields read"))
    selector = models.CharField(_("read"), max_length=60)
    endpoint = models.CharField(_("page or endpoint"), max_length=200)
    request_id = models.CharField(_("request id"), max_length=64)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        # Supervisors' reading of the log (flags, the per-person report); the administrator role holds it.
        permissions = [("audit_access_log", "Can audit the access log of personal data")]
        constraints = [models.CheckConstraint(condition=~Q(purpose=""), name="accesslog_purpose_required")]
        indexes = [
            models.Index(fields=["person", "at"], name="accesslog_person_at_idx"),
            models.Index(fields=["user", "at"], name="accesslog_user_at_idx"),
            models.Index(fields=["at"], name="accesslog_at_idx"),
        ]
        triggers = [pgtrigger.Protect(name="accesslog_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.username} {self.selector} person {self.person_id}"
