"""Service points (the office and its workstations) kept as name + address, located by the platform's geocoder."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from geo_portal.addresses.grades import Grade
from geo_portal.core.geo import STORAGE_SRID


class ServicePoint(models.Model):
    class Kind(models.TextChoices):
        OFFICE = "office", _("household registration office")
        WORKSTATION = "workstation", _("satellite workstation")
        MOBILE = "mobile", _("mobile service stop")

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200)
    active = models.BooleanField(_("in service"), default=True)
    # Set by the geocoder from the address (services.locate); never typed in by hand.
    location = models.PointField(_("location"), srid=STORAGE_SRID, null=True, blank=True)
    plate = models.ForeignKey(
        "addresses.DoorPlate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("door plate"),
    )
    geocode_grade = models.CharField(_("geocoding grade"), max_length=12, blank=True, choices=Grade.choices)
    geocode_note = models.CharField(_("geocoding note"), max_length=300, blank=True)
    located_at = models.DateTimeField(_("located at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name
