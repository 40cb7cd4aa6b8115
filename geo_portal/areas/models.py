"""Area and road models. Boundaries are MultiPolygons in EPSG:3826, nullable until a boundary is loaded."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID


class County(models.Model):
    """縣市, identified by its MOI code (新竹市 = 10018)."""

    code = models.CharField(_("MOI code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=10, unique=True)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("county/city")
        verbose_name_plural = _("counties/cities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """鄉鎮市區, MOI town code (東區 = 10018010) and the household-registration code (1001801)."""

    code = models.CharField(_("MOI code"), max_length=8, unique=True)
    registry_code = models.CharField(_("household registration code"), max_length=7, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="districts", verbose_name=_("county/city"))
    name = models.CharField(_("name"), max_length=10)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=STORAGE_SRID, null=True, blank=True)
    boundary_source = models.CharField(_("boundary source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="district_county_name_uniq")]
        indexes = [models.Index(fields=["registry_code"], name="district_registry_code_idx")]

    def __str__(self) -> str:
        return f"{self.county.name}{self.name}"


class Village(models.Model):
    """村里, MOI village code (三民里 = 10018010020)."""

    code = models.CharField(_("MOI code"), max_length=11, unique=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="villages", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=10)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=STORAGE_SRID, null=True, blank=True)
    boundary_source = models.CharField(_("boundary source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="village_district_name_uniq")]
        indexes = [models.Index(fields=["district"], name="village_district_idx")]

    def __str__(self) -> str:
        return self.name


class Neighborhood(models.Model):
    """鄰: a numbered neighbourhood within a village. No boundaries are published for 鄰."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="neighborhoods", verbose_name=_("village"))
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["village", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="neighborhood_village_number_uniq"),
            models.CheckConstraint(condition=Q(number__gte=1), name="neighborhood_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.number}鄰"


class Road(models.Model):
    """街路段: one road and section within a district, named as MOI writes it (光復路二段)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="roads", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=40, help_text=_("Road with section in Chinese numerals, e.g. 光復路二段"))
    base_name = models.CharField(_("road name without section"), max_length=40)
    section = models.PositiveSmallIntegerField(_("section"), null=True, blank=True)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    name_en_source = models.CharField(
        _("source of the English name"),
        max_length=10,
        blank=True,
        db_default="",
        choices=[("table", _("official table")), ("pinyin", _("Hanyu Pinyin fallback"))],
    )

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="road_district_name_uniq")]
        indexes = [models.Index(fields=["base_name"], name="road_base_name_idx")]

    def __str__(self) -> str:
        return self.name


class RoadAlias(models.Model):
    """Another way a road is written: a variant character (褔德街), an old name, an English spelling."""

    class Kind(models.TextChoices):
        VARIANT = "variant", _("variant spelling")
        FORMER = "former", _("former name")
        ENGLISH = "english", _("English")

    road = models.ForeignKey(Road, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("road"))
    alias = models.CharField(_("alias"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("road alias")
        verbose_name_plural = _("road aliases")
        constraints = [models.UniqueConstraint(fields=["road", "alias"], name="roadalias_road_alias_uniq")]
        indexes = [models.Index(fields=["alias"], name="roadalias_alias_idx")]

    def __str__(self) -> str:
        return self.alias


class VillagePopulation(models.Model):
    """One month's households and residents of a village, from the city's monthly reports (RRRP03310/03360).

    Aggregates only: no person or household record is stored here.
    """

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="population", verbose_name=_("village"))
    month = models.DateField(_("month (first day)"))
    neighborhoods = models.PositiveIntegerField(_("neighbourhoods (registered)"))
    neighborhoods_with_plates = models.PositiveIntegerField(_("neighbourhoods (with door plates)"))
    households = models.PositiveIntegerField(_("households"))
    population = models.PositiveIntegerField(_("residents"))
    male = models.PositiveIntegerField(_("male residents"))
    female = models.PositiveIntegerField(_("female residents"))
    # Residents by single year of age 0–99 and 100+ (101 values), when the age report was imported.
    age_male = ArrayField(models.PositiveIntegerField(), size=101, null=True, blank=True, verbose_name=_("men by age"))
    age_female = ArrayField(models.PositiveIntegerField(), size=101, null=True, blank=True, verbose_name=_("women by age"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("village population")
        verbose_name_plural = _("village population")
        ordering = ["month", "village"]
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="villagepopulation_village_month_uniq"),
            models.CheckConstraint(
                condition=Q(population=models.F("male") + models.F("female")), name="villagepopulation_sexes_add_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.month:%Y-%m}"
