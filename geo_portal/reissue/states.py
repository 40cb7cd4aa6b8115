"""The re-issue case's states and the one table of which action moves a case from which state to which.

requested → fee assessed → paid → ordered → delivered → installed | collected → closed; cancelled (no money held)
or refunded (money held) with a reason. An office-initiated case's fee is waived, so it goes from fee assessed to
ordered without a payment (``services`` checks that guard). Imported by the models (the state field's choices), the
services (every transition) and the selectors (the public step labels); imports nothing of the project.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REQUESTED = "requested", _("requested")
    FEE_ASSESSED = "fee_assessed", _("fee assessed")
    PAID = "paid", _("paid")
    ORDERED = "ordered", _("ordered from the plate maker")
    DELIVERED = "delivered", _("plate delivered to the office")
    INSTALLED = "installed", _("installed")
    COLLECTED = "collected", _("collected at the counter")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")


S = State
# States after which nothing more happens to a case (its plates may get a new case).
FINAL: frozenset[str] = frozenset({S.CLOSED, S.CANCELLED, S.REFUNDED})
OPEN: frozenset[str] = frozenset(s for s in State.values if s not in FINAL)

# action → (states it may start from, state it leads to). "open" starts a case.
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "open": (frozenset(), S.REQUESTED),
    "assess_fee": (frozenset({S.REQUESTED}), S.FEE_ASSESSED),
    "pay": (frozenset({S.FEE_ASSESSED}), S.PAID),
    "void_receipt": (frozenset({S.PAID}), S.FEE_ASSESSED),
    # From fee assessed only when the fee is waived (office initiative).
    "order": (frozenset({S.PAID, S.FEE_ASSESSED}), S.ORDERED),
    "deliver": (frozenset({S.ORDERED}), S.DELIVERED),
    "install": (frozenset({S.DELIVERED}), S.INSTALLED),
    "collect": (frozenset({S.DELIVERED}), S.COLLECTED),
    "close": (frozenset({S.INSTALLED, S.COLLECTED}), S.CLOSED),
    # Cancel: no money is held (never paid, or the fee was waived). Refund: money is held and goes back.
    "cancel": (frozenset({S.REQUESTED, S.FEE_ASSESSED, S.ORDERED, S.DELIVERED}), S.CANCELLED),
    "refund": (frozenset({S.PAID, S.ORDERED, S.DELIVERED}), S.REFUNDED),
}

# The actions' names in messages ("case … is paid; cancel needs it to be …").
ACTION_NAMES: dict[str, object] = {
    "open": _("open"),
    "assess_fee": _("assess fee"),
    "pay": _("pay"),
    "void_receipt": _("void receipt"),
    "order": _("order"),
    "deliver": _("deliver"),
    "install": _("install"),
    "collect": _("collect"),
    "close": _("close"),
    "cancel": _("cancel"),
    "refund": _("refund"),
}

# The order of the steps a resident sees on the status page (final branches shown when reached).
PUBLIC_PATH: tuple[str, ...] = (S.REQUESTED, S.FEE_ASSESSED, S.PAID, S.ORDERED, S.DELIVERED, S.INSTALLED, S.CLOSED)


def allowed_actions(state: str) -> list[str]:
    """The actions that may start from ``state``, in the table's order."""
    return [action for action, (sources, _to) in ALLOWED.items() if state in sources]
