"""Change counters for the map layers, bumped by database triggers, so cached vector tiles expire on any write.

Statement-level triggers (migration 0001) bump a layer's counter whenever its table changes — through the ORM,
the importers' COPY + merge SQL or psql alike — so the tile cache never serves a tile of data that is gone.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LayerVersion(models.Model):
    """One row per map layer (plates, buildings, villages); ``version`` grows by one per changing statement."""

    name = models.CharField(_("layer"), max_length=20, primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("map layer version")
        verbose_name_plural = _("map layer versions")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
