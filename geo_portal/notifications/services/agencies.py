"""Agencies and their API tokens: create an agency (with its own account), authorise registration kinds, issue,
rotate (the old token keeps working through an overlap) and revoke tokens, and check a presented token.

Called by the admin, the tests, the demo and — ``token_use`` — the registry's agency endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.notifications import conf, kinds, tokens
from geo_portal.notifications.errors import NotAllowed, NotificationRefused
from geo_portal.notifications.models import Agency, AgencyToken

MANAGE = "notifications.manage_agencies"
AUTHORISE = "notifications.authorise_private_kinds"


def require(actor: AbstractBaseUser | None, perm: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        name = actor.get_username() if actor is not None else "nobody"
        raise NotAllowed(_("%(user)s may not do this (needs %(perm)s).") % {"user": name, "perm": perm})


@transaction.atomic
def agency_create(*, actor: AbstractBaseUser | None, code: str, name: str, kind: str, contact_email: str = "") -> Agency:
    """A new agency with its own account (no password: it signs in with tokens only)."""
    require(actor, MANAGE)
    errors: dict[str, str] = {}
    if not code or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        errors["code"] = _("use letters, digits, - or _ (e.g. nhi-hsinchu)")
    elif Agency.objects.filter(code=code).exists():
        errors["code"] = _("an agency with code %(code)s exists already") % {"code": code}
    if not name.strip():
        errors["name"] = _("is required")
    if kind not in Agency.Kind.values:
        errors["kind"] = _("unknown kind %(kind)r") % {"kind": kind}
    if errors:
        raise NotificationRefused(errors)
    user = get_user_model().objects.create(username=f"agency:{code}"[:150], is_active=True, is_staff=False)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return Agency.objects.create(code=code, name=name.strip(), kind=kind, contact_email=contact_email, user=user)


@transaction.atomic
def agency_authorise(
    *, actor: AbstractBaseUser, agency: Agency, private_kinds: list[str], reference: str, version: int
) -> Agency:
    """Set the registration kinds the agency may receive (empty: none), with the authorising letter's number."""
    require(actor, AUTHORISE)
    try:
        checked = kinds.check_kinds(private_kinds)
    except kinds.UnknownEventKind as exc:
        raise NotificationRefused({"private_kinds": str(exc)}) from exc
    public = [k for k in checked if k not in kinds.PRIVATE_KINDS]
    if public:
        raise NotificationRefused(
            {"private_kinds": _("%(kinds)s are public: no authorisation needed") % {"kinds": ", ".join(public)}}
        )
    if checked and not reference.strip():
        raise NotificationRefused({"reference": _("name the letter or agreement that authorises it")})
    now = timezone.now()
    updated = Agency.objects.filter(pk=agency.pk, version=version).update(
        private_kinds=list(checked),
        authorisation_ref=reference.strip(),
        authorised_by=actor if checked else None,
        authorised_at=now if checked else None,
        version=F("version") + 1,
    )
    if not updated:
        raise NotificationRefused({"version": _("the agency was changed by someone else meanwhile; reload it")})
    return Agency.objects.get(pk=agency.pk)


def _check_scopes(agency: Agency, event_kinds: list[str], detail_levels: list[str]) -> tuple[tuple[str, ...], list[str]]:
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
    bad = sorted(set(detail_levels) - set(kinds.DETAIL_LEVELS))
    if bad or not detail_levels:
        errors["detail_levels"] = _("choose from %(levels)s") % {"levels": ", ".join(kinds.DETAIL_LEVELS)}
    if errors:
        raise NotificationRefused(errors)
    return checked, [level for level in kinds.DETAIL_LEVELS if level in detail_levels]


@transaction.atomic
def token_issue(
    *,
    actor: AbstractBaseUser,
    agency: Agency,
    event_kinds: list[str],
    detail_levels: list[str],
    label: str = "",
    expires_at=None,
) -> tuple[AgencyToken, str]:
    """A new token with its scopes; returns the row and the token text (shown once, never stored)."""
    require(actor, MANAGE)
    checked, levels = _check_scopes(agency, event_kinds, detail_levels)
    text, prefix, digest = tokens.new_token()
    row = AgencyToken.objects.create(
        agency=agency,
        label=label[:80],
        prefix=prefix,
        digest=digest,
        event_kinds=list(checked),
        detail_levels=levels,
        created_by=actor,
        expires_at=expires_at,
    )
    return row, text


@transaction.atomic
def token_rotate(
    *, actor: AbstractBaseUser, token: AgencyToken, overlap: timedelta | None = None
) -> tuple[AgencyToken, str]:
    """A successor with the same scopes; the old token keeps working for ``overlap`` (default a week), then expires."""
    require(actor, MANAGE)
    old = AgencyToken.objects.select_for_update().get(pk=token.pk)
    now = timezone.now()
    if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
        raise NotificationRefused({"token": _("token %(token)s is revoked or expired: issue a new one") % {"token": old}})
    if old.replaced_by_id is not None:
        raise NotificationRefused({"token": _("token %(token)s was rotated already") % {"token": old}})
    new, text = token_issue(
        actor=actor, agency=old.agency, event_kinds=old.event_kinds, detail_levels=old.detail_levels, label=old.label
    )
    end = now + (overlap if overlap is not None else conf.token_overlap())
    old.expires_at = min(old.expires_at, end) if old.expires_at else end
    old.replaced_by = new
    old.save(update_fields=["expires_at", "replaced_by"])
    return new, text


@transaction.atomic
def token_revoke(*, actor: AbstractBaseUser, token: AgencyToken) -> AgencyToken:
    """The token stops working at once."""
    require(actor, MANAGE)
    AgencyToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return AgencyToken.objects.get(pk=token.pk)


@dataclass(frozen=True)
class TokenGrant:
    """A presented token that works: its agency, the agency's account, and what it may read."""

    token_id: int
    agency_id: int
    agency_code: str
    user: AbstractBaseUser
    event_kinds: frozenset[str]  # private kinds already limited to what the office authorises
    detail_levels: tuple[str, ...]

    def may_read(self, kind: str, level: str) -> bool:
        return kind in self.event_kinds and level in self.detail_levels


@transaction.atomic
def token_use(*, token: str) -> TokenGrant | None:
    """The grant of a presented token (and its last use recorded), or None: malformed, unknown, wrong secret,
    revoked, expired, or the agency inactive — the caller answers 401 without saying which."""
    prefix = tokens.split(token)
    if prefix is None:
        return None
    now = timezone.now()
    row = (
        AgencyToken.objects.select_related("agency", "agency__user")
        .filter(prefix=prefix, revoked_at__isnull=True, agency__active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if row is None or not tokens.matches(token, row.digest):
        return None
    AgencyToken.objects.filter(pk=row.pk).update(last_used_at=now)
    allowed = {k for k in row.event_kinds if k not in kinds.PRIVATE_KINDS or k in row.agency.private_kinds}
    return TokenGrant(
        token_id=row.pk,
        agency_id=row.agency_id,
        agency_code=row.agency.code,
        user=row.agency.user,
        event_kinds=frozenset(allowed),
        detail_levels=tuple(row.detail_levels),
    )
