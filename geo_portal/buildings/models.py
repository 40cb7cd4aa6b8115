"""Building footprints (valid MultiPolygons in EPSG:3826) and plate→building links."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID


class Building(models.Model):
    """A building footprint with optional floors, height and structure from its source."""

    geom = models.MultiPolygonField(_("footprint"), srid=STORAGE_SRID, spatial_index=False)  # named index in Meta
    name = models.CharField(_("name"), max_length=120, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    height_m = models.FloatField(_("height (m)"), null=True, blank=True)
    structure = models.CharField(_("structure"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=40)
    source_id = models.CharField(_("ID in the source"), max_length=60)
    source_batch = models.ForeignKey(
        "ingest.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source batch"),
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["source", "source_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="building_source_id_uniq"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="building_geom_valid"),
            models.CheckConstraint(condition=Q(height_m__isnull=True) | Q(height_m__gt=0), name="building_height_positive"),
        ]
        indexes = [GistIndex(fields=["geom"], name="building_geom_gist")]

    def __str__(self) -> str:
        return self.name or f"{self.source}:{self.source_id}"


class PlateBuilding(models.Model):
    """Which building a door plate belongs to: the one containing it, or the nearest within a tolerance."""

    class Method(models.TextChoices):
        CONTAINS = "contains", _("inside the footprint")
        NEAREST = "nearest", _("nearest within tolerance")

    plate = models.OneToOneField(
        "addresses.DoorPlate", on_delete=models.CASCADE, related_name="building_link", verbose_name=_("door plate")
    )
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="plate_links", verbose_name=_("building"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    distance_m = models.FloatField(_("distance (m)"))

    class Meta:
        verbose_name = _("plate–building link")
        verbose_name_plural = _("plate–building links")
        indexes = [models.Index(fields=["building"], name="platebuilding_building_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(distance_m__gte=0), name="platebuilding_distance_nonneg"),
        ]
