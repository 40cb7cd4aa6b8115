"""Reads about staff: a user's roles, whether they administer staff, the record of role changes.

Called by services, rules, the admin and the staff pages.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from geo_portal.accounts.models import RoleChange, StaffProfile
from geo_portal.accounts.roles import Role

User = get_user_model()


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles (groups named after ``Role`` values) a user holds; none for anonymous or inactive users."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    return role_groups_of(user)


def role_groups_of(user: AbstractBaseUser) -> frozenset[Role]:
    """A user's role groups whatever their state (kept while an account is disabled, restored when enabled)."""
    return frozenset(Role(n) for n in user.groups.filter(name__in=Role.values).values_list("name", flat=True))


def is_administrator(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True for an active user who may manage staff: the administrator role or a superuser."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("accounts.manage_staff"))


def role_users(role: Role) -> QuerySet:
    """Active users holding a role, by user name."""
    return User.objects.filter(is_active=True, groups__name=role.value).order_by(User.USERNAME_FIELD)


def role_changes_of(user: AbstractBaseUser) -> QuerySet[RoleChange]:
    """Every recorded change of a user's roles or state, newest first."""
    return RoleChange.objects.filter(user=user).select_related("actor").order_by("-at", "-id")


def must_change_password(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The user signs in with a password someone else set (generated or reset) and has to choose their own."""
    if not user.is_authenticated:
        return False
    return StaffProfile.objects.filter(user=user, must_change_password=True).exists()
