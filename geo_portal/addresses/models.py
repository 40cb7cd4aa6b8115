"""The door plate (門牌) model: components, canonical key, point, lifecycle, physical condition, history.

Floor and 之 units that share an entrance share its point. Every update and delete is written to
``DoorPlateEvent`` by a database trigger (django-pghistory) with the old values and the request context
(user, URL) or the importer's context (batch id).
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.utils.translation import gettext_lazy as _

from geo_portal.core import history
from geo_portal.core.geo import STORAGE_SRID


class DoorPlateQuerySet(models.QuerySet):
    def active(self) -> DoorPlateQuerySet:
        return self.filter(status=DoorPlate.Status.ACTIVE)


class AnyChangeRestorable(pgtrigger.Condition):
    """``AnyChange`` whose geometry comparison survives ``pg_dump`` / ``pg_restore``.

    Why: a trigger's WHEN clause is stored parsed; pg_dump prints ``old.geom IS DISTINCT FROM new.geom``, and
    pg_restore (which runs with an empty ``search_path``) cannot find PostGIS's ``=`` for geometry in ``public``
    ("operator is not unique"), so the whole restore fails. Comparing the geometries as EWKB (``bytea``, a cast
    found by type, an operator in ``pg_catalog``) is exact and restores anywhere.
    """

    sql = "geometry-safe AnyChange"  # resolved per model below

    def __init__(self, *, geometry: str, exclude: list[str]):
        super().__init__()
        self.geometry, self.exclude = geometry, exclude

    def resolve(self, model) -> str:
        others = pgtrigger.AnyChange(exclude=[*self.exclude, self.geometry]).resolve(model)
        return f'({others} OR OLD."{self.geometry}"::bytea IS DISTINCT FROM NEW."{self.geometry}"::bytea)'


# Zip codes are derived from the post office rules, not edited; the imported_* fields are the importer's memory.
_UNTRACKED = ["updated_at", "zip_code", "imported_geom", "imported_hash", "imported_line"]


@pghistory.track(
    # Inserts and updates at statement level: one set-based history insert for an import's 100,000 new plates or a
    # re-import's 1,000 changed ones (a row-level trigger attaches the change context per row: ~0.06 ms a row).
    pghistory.InsertEvent("plate.create", level=pghistory.Statement),
    # Planned on every statement (core.history): a plan kept from a small update made a later bulk one quadratic.
    history.UpdateEvent(
        "plate.update",
        row=pghistory.Old,
        condition=AnyChangeRestorable(geometry="geom", exclude=_UNTRACKED),
        level=pghistory.Statement,
    ),
    pghistory.DeleteEvent("plate.delete"),
    exclude=_UNTRACKED,
)
class DoorPlate(models.Model):
    """One door plate. Unique among active plates by district + ``address_key`` (street address + 鄰)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        RETIRED = "retired", _("retired")

    class Condition(models.TextChoices):
        OK = "ok", _("ok")
        MISSING = "missing", _("missing")
        DAMAGED = "damaged", _("damaged or illegible")
        OLD_STYLE = "old_style", _("old style")
        UNKNOWN = "unknown", _("unknown")

    # Django's own FK indexes are left out where a named composite index in Meta starts with the column.
    district = models.ForeignKey(
        "areas.District", on_delete=models.PROTECT, related_name="plates", verbose_name=_("district"), db_index=False
    )
    village = models.ForeignKey(
        "areas.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plates",
        verbose_name=_("village"),
        db_index=False,
    )
    neighborhood = models.ForeignKey(
        "areas.Neighborhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plates",
        verbose_name=_("neighbourhood"),
    )
    road = models.ForeignKey(
        "areas.Road",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plates",
        verbose_name=_("road"),
        db_index=False,
    )
    area = models.CharField(_("area name (地區)"), max_length=40, blank=True)
    lane = models.CharField(_("lane (巷)"), max_length=12, blank=True)
    alley = models.CharField(_("alley (弄)"), max_length=12, blank=True)
    number_prefix = models.CharField(_("number prefix (附/臨)"), max_length=1, blank=True)
    number = models.PositiveIntegerField(_("number (號)"))
    sub_number = models.PositiveIntegerField(_("sub-number (之, before 號)"), null=True, blank=True)
    number_suffix = models.PositiveIntegerField(_("sub-number (之, after 號)"), null=True, blank=True)
    floor = models.SmallIntegerField(_("floor (樓; negative = basement)"), null=True, blank=True)
    floor_unit = models.CharField(
        _("floor unit"),
        max_length=1,
        blank=True,
        choices=[("", "樓"), ("層", "層"), ("室", "地下室")],
        help_text=_("地下1樓 and 地下1層 are registered as different plates at some addresses"),
    )
    floor_sub = models.PositiveIntegerField(_("floor sub-number (樓之)"), null=True, blank=True)

    # "C" collation: byte-wise comparison makes these btree keys cheaper and lets LIKE 'prefix%' use the index.
    street_key = models.CharField(_("canonical street address"), max_length=120, db_collation="C")
    address_key = models.CharField(_("normalised key"), max_length=130, db_collation="C")
    address = models.CharField(_("canonical address"), max_length=160)
    # Indexed by the named partial GiST index below (active plates), not by Django's default full index.
    zip_code = models.CharField(_("3+3 zip code"), max_length=6, blank=True, db_default="")
    geom = models.PointField(_("location"), srid=STORAGE_SRID, spatial_index=False)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    retired_reason = models.CharField(_("retirement reason"), max_length=200, blank=True)
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        through="PlateSuccessor",
        through_fields=("from_doorplate", "to_doorplate"),
        related_name="predecessors",
        verbose_name=_("replaced by"),
    )
    condition = models.CharField(_("plate condition"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    condition_evidence = models.CharField(
        _("evidence of the condition"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("census task, photo or report reference"),
    )
    source_batch = models.ForeignKey(
        "ingest.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source batch"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Incremented by every write (services and the importer's merge); writers say which version they saw.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    # What the last import said about this plate (position; hash of village, 鄰, road, area, address): a field
    # that differs from it was changed by staff since, and a re-import must not overwrite it (a conflict instead).
    imported_geom = models.PointField(
        _("position in the last import"), srid=STORAGE_SRID, null=True, blank=True, spatial_index=False
    )
    imported_hash = models.CharField(
        _("attributes in the last import"), max_length=32, blank=True, default="", db_default=""
    )
    # The file row the last import read this plate from (md5 of the row's raw bytes, salted with the import's layout,
    # village table and reading code): a monthly re-import reads only rows no active plate holds (issue 16 §5).
    imported_line = models.UUIDField(_("row in the last import"), null=True, blank=True, editable=False)
    # Who made the last change: a staff user name, "import batch N" or "system" (named in StalePlate errors).
    updated_by = models.CharField(_("last changed by"), max_length=150, blank=True, default="", db_default="")

    objects = DoorPlateQuerySet.as_manager()

    # The address components, in the order they are written (used by the admin and forms).
    COMPONENT_FIELDS = (
        "road",
        "area",
        "lane",
        "alley",
        "number_prefix",
        "number",
        "sub_number",
        "number_suffix",
        "floor",
        "floor_unit",
        "floor_sub",
    )

    class Meta:
        verbose_name = _("door plate")
        verbose_name_plural = _("door plates")
        ordering = ["address_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "address_key"], condition=Q(status="active"), name="doorplate_active_key_uniq"
            ),
            models.CheckConstraint(
                condition=Q(status="active", retired_on__isnull=True) | Q(status="retired", retired_on__isnull=False),
                name="doorplate_retired_has_date",
            ),
            models.CheckConstraint(condition=~Q(floor=0), name="doorplate_floor_not_zero"),
        ]
        indexes = [
            GistIndex(fields=["geom"], name="doorplate_geom_active_gist", condition=Q(status="active")),
            # Street-key lookups (geocoding, batch matching, LIKE 'prefix%' type-ahead) rarely know the district.
            models.Index(fields=["street_key"], name="doorplate_street_key_idx", condition=Q(status="active")),
            models.Index(fields=["road", "number"], name="doorplate_road_number_idx"),
            # The geocoder's nearest numbers on the same side (same road, area, lane, alley, parity) below and above a
            # number: an index walk of one or two rows instead of every plate of a long road.
            models.Index(
                F("road"),
                F("area"),
                F("lane"),
                F("alley"),
                Mod("number", 2),
                F("number"),
                name="doorplate_same_side_idx",
                condition=Q(status="active", sub_number__isnull=True, number_suffix__isnull=True, number_prefix=""),
            ),
            models.Index(fields=["village"], name="doorplate_village_idx"),
            models.Index(fields=["source_batch"], name="doorplate_source_batch_idx"),
            # A re-import looks up each address it lists among the retired plates (a plate listed again comes back
            # under its own id): without this, every import scanned all plates for them (0.14–0.24 s of a monthly
            # update of 東區).
            models.Index(
                fields=["district", "address_key"], name="doorplate_inactive_key_idx", condition=~Q(status="active")
            ),
        ]

    def __str__(self) -> str:
        return self.address


@pghistory.track(
    pghistory.InsertEvent("successor.add"),
    pghistory.DeleteEvent("successor.remove"),
    # A plate's history reads the links it had by the retired plate (history.py).
    meta={"indexes": [models.Index(fields=["from_doorplate"], name="successor_event_from_idx")]},
)
class PlateSuccessor(models.Model):
    """A retired plate → one of the plates that replace it (history records who linked what, and when)."""

    from_doorplate = models.ForeignKey(
        DoorPlate, on_delete=models.CASCADE, related_name="+", verbose_name=_("retired plate")
    )
    to_doorplate = models.ForeignKey(DoorPlate, on_delete=models.CASCADE, related_name="+", verbose_name=_("successor"))

    class Meta:
        # The table Django created for the former automatic many-to-many (migration 0005 keeps it as it is).
        db_table = "addresses_doorplate_successors"
        unique_together = [("from_doorplate", "to_doorplate")]
        verbose_name = _("successor link")
        verbose_name_plural = _("successor links")

    def __str__(self) -> str:
        return f"{self.from_doorplate_id} → {self.to_doorplate_id}"


class ZipCodeRule(models.Model):
    """One Chunghwa Post 3+3 delivery rule as published (scope text kept verbatim; read by ``zipcodes``)."""

    zip_code = models.CharField(_("3+3 zip code"), max_length=6)
    county = models.CharField(_("county/city"), max_length=10)
    district = models.CharField(_("district"), max_length=10)
    road = models.CharField(_("road"), max_length=40)
    scope = models.CharField(_("delivery scope"), max_length=60)
    position = models.PositiveIntegerField(_("line in the source"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("zip-code rule")
        verbose_name_plural = _("zip-code rules")
        ordering = ["position"]
        indexes = [models.Index(fields=["county", "district", "road"], name="ziprule_area_road_idx")]

    def __str__(self) -> str:
        return f"{self.zip_code} {self.county}{self.district}{self.road} {self.scope.strip()}"
