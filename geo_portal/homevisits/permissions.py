"""Who may do what with home visits. Requests, plans and the visit sheet carry personal data, so they need the
registry's read permission (registrars, the mobile registration staff); the aggregated statistics need either that
or ``homevisits.view_visit_statistics`` (no persons in them). Opening a registration draft needs the registry's
own permission to enter events."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

READ = "accounts.read_personal_data"
STATISTICS = "homevisits.view_visit_statistics"
REGISTER = "registry.register_events"


def may_handle(user: AbstractBaseUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(READ))


def may_see_statistics(user: AbstractBaseUser) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.has_perm(READ) or user.has_perm(STATISTICS)))


def may_open_cases(user: AbstractBaseUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(REGISTER))
