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


class CachedTile(models.Model):
    """One encoded vector tile per tile address, tagged with the data versions it was drawn from.

    A shared cache for every web worker and server, read together with the layer versions in one statement
    (``tile_cache``). A tile whose stamp is out of date is simply re-encoded and overwritten, so the table never
    holds more than one row per tile address and needs no purging. The table is UNLOGGED (migration 0003): a
    cache need not survive a crash, and unlogged writes are cheaper.
    """

    layer = models.CharField(max_length=12)
    z = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    stamp = models.CharField(max_length=60)
    etag = models.CharField(max_length=40)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cached tile")
        verbose_name_plural = _("cached tiles")
        constraints = [models.UniqueConstraint(fields=["layer", "z", "x", "y"], name="cachedtile_address_uniq")]

    def __str__(self) -> str:
        return f"{self.layer}/{self.z}/{self.x}/{self.y}"
