"""Subscriptions: an agency's endpoint (a webhook URL, or daily digest files), its event kinds and signing secrets.

``subscription_create`` refuses an unknown kind, a registration kind the office has not authorised for the agency,
and an endpoint that is not https where ``conf.require_https()`` (production). ``secret_rotate`` adds a new secret;
the old one keeps signing beside it (two signatures per message) until the overlap ends. ``subscription_disable``
is also what an HTTP 410 from the receiver does.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.areas.models import Road
from geo_portal.changes.selectors import channel_state
from geo_portal.notifications import conf, kinds, tokens
from geo_portal.notifications.errors import NotificationRefused
from geo_portal.notifications.models import Agency, Cursor, Published, SigningSecret, Subscription
from geo_portal.notifications.services.agencies import MANAGE, require


def _check_url(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("give an absolute http(s) URL, e.g. https://agency.example.tw/hooks/addresses")
    if parts.username or parts.password:
        return _("must not carry a user name or password (the signature authenticates the office)")
    if conf.require_https() and parts.scheme != "https":
        return _("must be https (notifications carry registration events)")
    if parts.scheme == "http":
        try:
            loopback = ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = parts.hostname == "localhost"
        if not loopback:
            return _("plain http is allowed for loopback test receivers only; use https")
    return None


def ensure_cursors() -> None:
    """Start reading each channel where it stands now (notifications tell what happens from here on), and
    remember every road's name then, so that a later renaming is told with the old name."""
    for channel in (kinds.PUBLIC_CHANNEL, kinds.PRIVATE_CHANNEL):
        _, created = Cursor.objects.get_or_create(channel=channel, defaults={"seq": channel_state(channel).seq})
        if created and channel == kinds.PUBLIC_CHANNEL:
            roads = Road.objects.values_list("pk", "name")
            Published.objects.bulk_create(
                [Published(entity="road", entity_id=pk, value=name[:200]) for pk, name in roads],
                update_conflicts=True, unique_fields=["entity", "entity_id"], update_fields=["value"], batch_size=5000,
            )  # fmt: skip


@transaction.atomic
def subscription_create(
    *, actor: AbstractBaseUser, agency: Agency, event_kinds: list[str], url: str = "", mode: str = "webhook"
) -> tuple[Subscription, str]:
    """A new active subscription and its first signing secret (returned once for the agency's receiver)."""
    require(actor, MANAGE)
    errors: dict[str, str] = {}
    checked: tuple[str, ...] = ()
    try:
        checked = kinds.check_kinds(event_kinds)
    except kinds.UnknownEventKind as exc:
        errors["event_kinds"] = str(exc)
    if not event_kinds:
        errors["event_kinds"] = _("name at least one event kind")
    unauthorised = [k for k in checked if k in kinds.PRIVATE_KINDS and k not in agency.private_kinds]
    if unauthorised:
        errors["event_kinds"] = _("the office has not authorised %(agency)s to receive %(kinds)s") % {
            "agency": agency.name,
            "kinds": ", ".join(unauthorised),
        }
    if mode not in Subscription.Mode.values:
        errors["mode"] = _("unknown delivery %(mode)r; choose webhook or digest") % {"mode": mode}
    elif mode == Subscription.Mode.WEBHOOK:
        problem = _check_url(url)
        if problem:
            errors["url"] = problem
    elif url:
        errors["url"] = _("a digest subscription has no URL (the agency downloads its files)")
    if not agency.active:
        errors["agency"] = _("%(agency)s is not active") % {"agency": agency.name}
    if errors:
        raise NotificationRefused(errors)
    ensure_cursors()
    sub = Subscription.objects.create(agency=agency, mode=mode, url=url, event_kinds=list(checked))
    secret = SigningSecret.objects.create(subscription=sub, secret=tokens.new_signing_secret())
    return sub, secret.secret


@transaction.atomic
def secret_rotate(*, actor: AbstractBaseUser, subscription: Subscription, overlap: timedelta | None = None) -> str:
    """A new signing secret; the current ones sign beside it until ``overlap`` (default a week) ends."""
    require(actor, MANAGE)
    now = timezone.now()
    end = now + (overlap if overlap is not None else conf.token_overlap())
    SigningSecret.objects.filter(subscription=subscription).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=end)
    ).update(expires_at=end)
    return SigningSecret.objects.create(subscription=subscription, secret=tokens.new_signing_secret()).secret


def active_secrets(subscription_id: int) -> list[str]:
    """The secrets that sign now, newest first."""
    now = timezone.now()
    return list(
        SigningSecret.objects.filter(subscription_id=subscription_id)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")
        .values_list("secret", flat=True)
    )


@transaction.atomic
def subscription_disable(*, subscription_id: int, reason: str) -> bool:
    """Stop delivering to the endpoint (its messages wait, pending); False if it was disabled already."""
    return bool(
        Subscription.objects.filter(pk=subscription_id, status=Subscription.Status.ACTIVE).update(
            status=Subscription.Status.DISABLED,
            disabled_reason=reason[:200],
            disabled_at=timezone.now(),
            version=F("version") + 1,
        )
    )
