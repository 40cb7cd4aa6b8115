"""Tables the platform keeps for itself: the shared cache (Django's database cache, so every worker process sees
the same entries), the throttle counters (one row per client, scope and window, updated atomically in SQL) and
the operations incidents the alert job has seen (one e-mail per incident).

The cache and counter tables are models so that migrations create them and test flushes empty them; they are
written only through ``core.cache`` (raw SQL), never through the ORM.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CacheEntry(models.Model):
    """A row of Django's ``DatabaseCache`` (its own SQL reads and writes these three columns)."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField()

    class Meta:
        db_table = "core_cache"
        indexes = [models.Index(fields=["expires"], name="core_cache_expires_idx")]
        default_permissions = ()

    def __str__(self) -> str:
        return self.cache_key


class ThrottleCounter(models.Model):
    """Requests of one client in one window of one throttle scope (``throttle:<scope>:<client>:<window>``)."""

    key = models.CharField(max_length=255, primary_key=True)
    hits = models.IntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "core_throttle_counter"
        indexes = [models.Index(fields=["expires_at"], name="core_throttle_expires_idx")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class Incident(models.Model):
    """A health check that went wrong: opened when first seen failing, closed when it passes again. The alert
    job e-mails the administrators once per incident (``alerted_at``)."""

    check_name = models.CharField(_("check"), max_length=60)
    detail = models.TextField(_("detail"))
    opened_at = models.DateTimeField(_("opened at"))
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("operations incident")
        verbose_name_plural = _("operations incidents")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["check_name"], condition=models.Q(closed_at__isnull=True), name="incident_one_open_per_check"
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_name} ({self.opened_at:%Y-%m-%d %H:%M})"
