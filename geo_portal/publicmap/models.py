"""The vector-tile cache: encoded tiles stamped with a change-log txid, dirty marks, and how far marks are applied.

The cache learns what changed from the change log (``geo_portal.changes``, read through its view
``changes_public_event_v`` and functions ``changes_latest_txid``/``changes_horizon_txid``), so nothing below
publicmap fires into it. ``services.apply_invalidations`` turns the events of newly committed transactions into
``TileDirty`` marks; ``tile_cache`` serves a cached tile only when its txid is at least every mark that covers
it and the marks are applied up to the latest txid. See ``tile_cache`` for why that never serves a stale tile.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WHOLE = -1  # TileDirty.z = -1: the whole layer; x = y = -1: the whole zoom level


class CachedTile(models.Model):
    """One encoded vector tile per tile address, stamped with the change-log txid its data was read at.

    ``txid`` is the public channel's last txid visible in the snapshot of the statement that encoded the tile, so
    the tile shows exactly the committed state up to that txid. A shared cache for every web worker and server,
    read together with the marks in one statement (``tile_cache``). A tile that is out of date is re-encoded and
    overwritten (one row per tile address); ``services.prune_tile_cache`` deletes invalid ones. The table is
    UNLOGGED (migration 0003): a cache need not survive a crash, and unlogged writes are cheaper.
    """

    layer = models.CharField(max_length=12)
    z = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    txid = models.BigIntegerField(_("change-log txid"))
    etag = models.CharField(max_length=40)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cached tile")
        verbose_name_plural = _("cached tiles")
        constraints = [models.UniqueConstraint(fields=["layer", "z", "x", "y"], name="cachedtile_address_uniq")]

    def __str__(self) -> str:
        return f"{self.layer}/{self.z}/{self.x}/{self.y}@{self.txid}"


class TileDirty(models.Model):
    """A mark: tiles at this address changed at ``txid``; a cached tile there is valid only if its txid ≥ that.

    ``z = -1`` (with x = y = -1) marks the whole layer, ``x = y = -1`` the whole zoom level ``z``. One row per
    address, holding the greatest txid (upserted). UNLOGGED like the tiles (migration 0004): a crash empties both.
    ``marked_at`` (when the txid was last raised) lets the prune keep recent marks for renders still in flight.
    """

    layer = models.CharField(max_length=12)
    z = models.SmallIntegerField()
    x = models.IntegerField()
    y = models.IntegerField()
    txid = models.BigIntegerField(_("change-log txid"))
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("dirty tile mark")
        verbose_name_plural = _("dirty tile marks")
        constraints = [
            models.UniqueConstraint(fields=["layer", "z", "x", "y"], name="tiledirty_address_uniq"),
            models.CheckConstraint(
                condition=(Q(z=WHOLE) & Q(x=WHOLE) & Q(y=WHOLE))
                | (Q(z__gte=0) & Q(x=WHOLE) & Q(y=WHOLE))
                | (Q(z__gte=0) & Q(x__gte=0) & Q(y__gte=0)),
                name="tiledirty_address_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.layer}/{self.z}/{self.x}/{self.y} dirty@{self.txid}"


class TileState(models.Model):
    """One row: the last txid whose invalidations are recorded as marks (``applied_txid``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    applied_txid = models.BigIntegerField(_("marks applied up to txid"))
    applied_at = models.DateTimeField(_("applied at"), null=True)

    class Meta:
        verbose_name = _("tile cache state")
        verbose_name_plural = _("tile cache state")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="tilestate_one_row")]

    def __str__(self) -> str:
        return f"tile marks applied up to txid {self.applied_txid}"
