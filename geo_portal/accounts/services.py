"""Writes about staff: role groups in step with the role map, creating staff, changing roles, disabling a leaver
(their sessions end at once), password resets, two-factor resets and sign-in unlocks. Every change of roles or
state appends a ``RoleChange``.

Keyword-only and transactional. Changes to other people's accounts need an administrator as ``actor``
(``StaffPermissionDenied`` otherwise); ``actor=None`` is accepted only by ``staff_create``, for the
``create_staff`` command run by someone with access to the server. Called by management commands, the admin,
the staff pages and ``make demo``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user

from geo_portal.accounts.lockout import clear_failures
from geo_portal.accounts.models import RoleChange, StaffProfile
from geo_portal.accounts.roles import ADMIN_SITE_ROLES, ROLE_PERMISSIONS, Role, parse_roles
from geo_portal.accounts.selectors import is_administrator, role_groups_of

User = get_user_model()
GENERATED_PASSWORD_BYTES = 15  # 20 URL-safe characters


class StaffPermissionDenied(PermissionDenied):
    """The acting user may not make this change."""


class StaffChangeRefused(ValueError):
    """A change that is not allowed whoever asks (e.g. an empty reason, an existing user name)."""


def generate_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def roles_sync(*, using: str = "default") -> dict[Role, int]:
    """Create the role groups and give each exactly its mapped permissions. Idempotent.

    Creates missing permissions of every installed app first (Django does that per app on ``post_migrate``; the
    map names permissions of apps that may be migrated after this one). A mapped permission that no app declares
    raises ``LookupError`` naming it. Returns the number of permissions per role.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(_permission_q(wanted))
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise LookupError(f"roles map permissions that no installed app declares: {', '.join(missing)}")
    counts = {}
    with transaction.atomic(using=using):
        for role, perms in ROLE_PERMISSIONS.items():
            group, _created = Group.objects.using(using).get_or_create(name=role.value)
            group.permissions.set([found[p] for p in sorted(perms)])
            counts[role] = len(perms)
    return counts


def _permission_q(names: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return q


def _require_administrator(actor: AbstractBaseUser | None) -> None:
    if actor is None or not is_administrator(actor):
        raise StaffPermissionDenied("only an administrator may change staff accounts")


def _record(
    *,
    kind: RoleChange.Kind,
    actor: AbstractBaseUser | None,
    user: AbstractBaseUser,
    roles_before: Iterable[Role],
    roles_after: Iterable[Role],
    active_before: bool,
    reason: str,
) -> RoleChange:
    return RoleChange.objects.create(
        kind=kind,
        actor=actor,
        user=user,
        roles_before=sorted(r.value for r in roles_before),
        roles_after=sorted(r.value for r in roles_after),
        active_before=active_before,
        active_after=user.is_active,
        reason=reason,
    )


def _apply_roles(user: AbstractBaseUser, roles: frozenset[Role]) -> None:
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name__in=[r.value for r in roles]))
    user.groups.add(*[Group.objects.get_or_create(name=r.value)[0] for r in roles])
    if not user.is_superuser:
        user.is_staff = bool(roles & ADMIN_SITE_ROLES)
        user.save(update_fields=["is_staff"])
    # Permission caches on this instance (Django's and the rules package's) would answer for the old roles.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_group_names_cache"):
        user.__dict__.pop(cache, None)


def _end_sessions(user: AbstractBaseUser) -> int:
    """Delete every unexpired database session of the user; returns how many.

    Sessions do not index the user (their data is encoded), so each live session is decoded: staff sessions
    are few (the public pages create none). Deleting them is the immediate effect; an inactive user is refused
    by the authentication backend as well, so a session that escaped would still not authenticate.
    """
    user_id = str(user.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


@transaction.atomic
def staff_create(
    *,
    actor: AbstractBaseUser | None,
    username: str,
    roles: Iterable[str],
    email: str = "",
    password: str | None = None,
) -> tuple[AbstractBaseUser, str]:
    """Create an active staff user with roles; returns the user and the password (generated when none is given).

    A generated password must be changed at the first sign-in. ``actor=None`` means the command line.
    """
    if actor is not None:
        _require_administrator(actor)
    role_set = parse_roles(list(roles))
    username = username.strip()
    if not username:
        raise StaffChangeRefused("the user name is empty")
    if not role_set:
        raise StaffChangeRefused(f"give at least one role; valid roles: {', '.join(Role.values)}")
    if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        raise StaffChangeRefused(f"a user named {username!r} already exists")
    generated = password is None
    password = generate_password() if generated else password
    user = User.objects.create_user(username=username, email=email, password=password)
    StaffProfile.objects.create(user=user, must_change_password=generated, password_set_at=timezone.now())
    _apply_roles(user, role_set)
    _record(
        kind=RoleChange.Kind.CREATED,
        actor=actor,
        user=user,
        roles_before=(),
        roles_after=role_set,
        active_before=False,
        reason="",
    )
    return user, password


@transaction.atomic
def staff_set_roles(
    *, actor: AbstractBaseUser, user: AbstractBaseUser, roles: Iterable[str], reason: str = ""
) -> RoleChange | None:
    """Give a user exactly these roles; returns the recorded change (None when the roles were already these)."""
    _require_administrator(actor)
    role_set = parse_roles(list(roles))
    if user.pk == actor.pk and Role.ADMINISTRATOR not in role_set and not actor.is_superuser:
        raise StaffChangeRefused("administrators cannot remove their own administrator role")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = role_groups_of(user)
    if before == role_set:
        return None
    _apply_roles(user, role_set)
    return _record(
        kind=RoleChange.Kind.ROLES,
        actor=actor,
        user=user,
        roles_before=before,
        roles_after=role_set,
        active_before=user.is_active,
        reason=reason.strip(),
    )


@transaction.atomic
def staff_disable(*, actor: AbstractBaseUser, user: AbstractBaseUser, reason: str) -> RoleChange:
    """Disable a leaver: no sign-in from now on, and every session of theirs ends at once. Roles are kept (and
    shown in the record) so that re-enabling restores them; an inactive user has no permissions meanwhile."""
    _require_administrator(actor)
    if not reason.strip():
        raise StaffChangeRefused("give a reason for disabling the account")
    if user.pk == actor.pk:
        raise StaffChangeRefused("administrators cannot disable their own account")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise StaffChangeRefused(f"the account {user.get_username()!r} is already disabled")
    roles = role_groups_of(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    return _record(
        kind=RoleChange.Kind.DISABLED,
        actor=actor,
        user=user,
        roles_before=roles,
        roles_after=roles,
        active_before=True,
        reason=reason.strip(),
    )


@transaction.atomic
def staff_enable(*, actor: AbstractBaseUser, user: AbstractBaseUser, reason: str) -> RoleChange:
    """Let a disabled user sign in again (with the roles they had)."""
    _require_administrator(actor)
    if not reason.strip():
        raise StaffChangeRefused("give a reason for enabling the account")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise StaffChangeRefused(f"the account {user.get_username()!r} is already active")
    roles = role_groups_of(user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return _record(
        kind=RoleChange.Kind.ENABLED,
        actor=actor,
        user=user,
        roles_before=roles,
        roles_after=roles,
        active_before=False,
        reason=reason.strip(),
    )


@transaction.atomic
def staff_reset_password(*, actor: AbstractBaseUser, user: AbstractBaseUser) -> str:
    """Give a user a new random password (returned, to pass on), to be changed at the next sign-in. Their
    sessions end: a reset usually means the old password is lost or known to someone else."""
    _require_administrator(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    password = generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    StaffProfile.objects.update_or_create(
        user=user, defaults={"must_change_password": True, "password_set_at": timezone.now()}
    )
    _end_sessions(user)
    roles = role_groups_of(user)
    _record(
        kind=RoleChange.Kind.PASSWORD_RESET,
        actor=actor,
        user=user,
        roles_before=roles,
        roles_after=roles,
        active_before=user.is_active,
        reason="",
    )
    return password


@transaction.atomic
def staff_password_changed(*, user: AbstractBaseUser) -> None:
    """The user chose a new password themselves: it no longer has to be changed."""
    StaffProfile.objects.update_or_create(
        user=user, defaults={"must_change_password": False, "password_set_at": timezone.now()}
    )


@transaction.atomic
def staff_reset_two_factor(*, actor: AbstractBaseUser, user: AbstractBaseUser, reason: str) -> RoleChange:
    """Remove every two-factor device of a user (a lost or replaced phone): they enrol again at their next sign-in,
    after their password. Their sessions end. Administrators only; recorded."""
    _require_administrator(actor)
    if not reason.strip():
        raise StaffChangeRefused("give a reason for resetting the two-factor devices")
    user = User.objects.select_for_update().get(pk=user.pk)
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    _end_sessions(user)
    roles = role_groups_of(user)
    return _record(
        kind=RoleChange.Kind.TWO_FACTOR_RESET,
        actor=actor,
        user=user,
        roles_before=roles,
        roles_after=roles,
        active_before=user.is_active,
        reason=reason.strip(),
    )


@transaction.atomic
def staff_unlock_sign_in(*, actor: AbstractBaseUser, user: AbstractBaseUser) -> RoleChange | None:
    """End a sign-in lockout (``lockout``) before its time; None when the account was not locked."""
    _require_administrator(actor)
    if not clear_failures(username=user.get_username()):
        return None
    roles = role_groups_of(user)
    return _record(
        kind=RoleChange.Kind.UNLOCKED,
        actor=actor,
        user=user,
        roles_before=roles,
        roles_after=roles,
        active_before=user.is_active,
        reason="",
    )
