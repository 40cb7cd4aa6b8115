"""The change log: channels, committed transactions and their events (a transactional outbox).

Rows are written by database triggers (``sql.py``) in the same transaction as the change they describe, so no
committed write can go unrecorded and no rolled-back write is ever published. Each channel numbers its own
transactions (``txid``) and events (``seq``) consecutively; the numbers are taken from the channel's counter row
only when the transaction commits (a deferred constraint trigger), so a reader never sees N+1 before N.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo_portal.core.geo import STORAGE_SRID

PUBLIC = "public"


class JSONColumn(models.JSONField):
    """A JSON field stored as PostgreSQL ``json`` (the text as written), not ``jsonb``.

    Why: the capture triggers build one representation per changed row, 108,000 of them in a first import. ``jsonb``
    parses and re-sorts every object (``jsonb_build_object`` ~10 µs a row); ``row_to_json`` into a ``json`` column
    is ~3× cheaper, and the feed only ever passes ``data`` through as text, never queries inside it.
    """

    def db_type(self, connection) -> str:
        return "json"

    def from_db_value(self, value, expression, connection):
        # psycopg parses ``json`` itself (Django registers a text loader for ``jsonb`` only).
        if value is None or not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)


class Channel(models.Model):
    """One feed with its own consecutive numbering. ``public`` carries plates, buildings, areas and roads."""

    name = models.CharField(_("name"), max_length=20, primary_key=True)
    last_txid = models.BigIntegerField(_("last transaction id"), default=0)
    last_seq = models.BigIntegerField(_("last event number"), default=0)
    # Clients can follow from any txid ≥ horizon; older events were compacted away (see services.prune_events).
    horizon_txid = models.BigIntegerField(_("oldest txid a client can follow from"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True)

    class Meta:
        verbose_name = _("change channel")
        verbose_name_plural = _("change channels")

    def __str__(self) -> str:
        return f"{self.name} (txid {self.last_txid}, seq {self.last_seq})"


class Transaction(models.Model):
    """One database transaction's changes on one channel; numbered at commit (txid, first_seq)."""

    channel = models.CharField(_("channel"), max_length=20)
    txid = models.BigIntegerField(_("transaction id"), null=True)
    first_seq = models.BigIntegerField(_("first event number"), null=True)
    event_count = models.IntegerField(_("events"), default=0)
    actor = models.CharField(_("actor"), max_length=150, blank=True, default="")
    cause = models.CharField(_("cause"), max_length=100, blank=True, default="")
    committed_at = models.DateTimeField(_("committed at"), null=True)

    class Meta:
        verbose_name = _("change transaction")
        verbose_name_plural = _("change transactions")
        constraints = [
            models.UniqueConstraint(fields=["channel", "txid"], name="changetx_channel_txid_uniq"),
            models.UniqueConstraint(fields=["channel", "first_seq"], name="changetx_channel_seq_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} txid {self.txid}"


class Event(models.Model):
    """One changed entity: its public representation after the change (``data`` + ``geom``).

    ``old_geom`` (never published) is the geometry before an update that moved it, or of a deleted row: the
    tile cache needs both places. ``seq`` = the transaction's ``first_seq`` + ``ordinal`` − 1.
    """

    class Operation(models.TextChoices):
        INSERT = "insert", _("insert")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")

    # Keyed by its transaction and position: no surrogate id (one index less to maintain for each of a first
    # import's 108,000 events). No foreign key: a check per event at commit would hold the channel's counter longer.
    pk = models.CompositePrimaryKey("transaction_id", "ordinal")
    transaction_id = models.BigIntegerField(_("transaction"))
    ordinal = models.IntegerField(_("position in the transaction"))
    entity = models.CharField(_("entity"), max_length=20)
    entity_id = models.BigIntegerField(_("entity id"))
    operation = models.CharField(_("operation"), max_length=6, choices=Operation.choices)
    data = JSONColumn(_("public representation"))
    geom = models.GeometryField(_("geometry"), srid=STORAGE_SRID, null=True, spatial_index=False)
    old_geom = models.GeometryField(_("geometry before"), srid=STORAGE_SRID, null=True, spatial_index=False)
    # Per event, not per transaction: one transaction may apply changes of several causes (a plan and an edit).
    actor = models.CharField(_("actor"), max_length=150, blank=True, default="", db_default="")
    cause = models.CharField(_("cause"), max_length=100, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        constraints = [
            models.CheckConstraint(condition=Q(ordinal__gte=1), name="changeevent_ordinal_positive"),
        ]
        # No index on (entity, entity_id): nothing looks events up by entity (snapshots and pruning scan a channel's
        # events in bulk), and maintaining one cost ~0.4 s of a first import.

    def __str__(self) -> str:
        return f"{self.operation} {self.entity} {self.entity_id}"
