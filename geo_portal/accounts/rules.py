"""Object-level rules (the ``rules`` package) where a role is not enough.

Generic predicates work on any object with the named attributes, so later apps (census tasks, registration
events, renumbering plans) reuse them: ``is_assignee`` (``assigned_to`` or ``assignee`` is the user),
``is_submitter`` / ``is_not_submitter`` (``submitted_by``). Rules registered as permissions, checked with
``user.has_perm(name, obj)`` through ``rules.permissions.ObjectPermissionBackend``:

- ``accounts.approve_submission``: a reviewer who did not submit the object;
- ``accounts.view_task``: a census supervisor, or the surveyor the task is assigned to.

Object predicates are False without an object: asking "may I approve?" without saying what is refused.
"""

from __future__ import annotations

import rules

from geo_portal.accounts.roles import Role

_MISSING = object()


def _user_id(value) -> object:
    """A user or a user id → the id (objects may hold either ``submitted_by`` or ``submitted_by_id``)."""
    return getattr(value, "pk", value)


def _attribute(obj, *names: str) -> object:
    for name in names:
        for candidate in (name, f"{name}_id"):
            value = getattr(obj, candidate, _MISSING)
            if value is not _MISSING:
                return value
    return _MISSING


@rules.predicate
def is_assignee(user, obj) -> bool:
    """The object is assigned to the user (``assigned_to`` or ``assignee``)."""
    if obj is None or not user.is_authenticated:
        return False
    assigned = _attribute(obj, "assigned_to", "assignee")
    return assigned is not _MISSING and assigned is not None and _user_id(assigned) == user.pk


@rules.predicate
def is_submitter(user, obj) -> bool:
    """The user submitted the object (``submitted_by``)."""
    if obj is None or not user.is_authenticated:
        return False
    submitter = _attribute(obj, "submitted_by")
    return submitter is not _MISSING and submitter is not None and _user_id(submitter) == user.pk


@rules.predicate
def is_not_submitter(user, obj) -> bool:
    """The object names a submitter and it is someone else (an object without one is refused: fail closed)."""
    if obj is None or not user.is_authenticated:
        return False
    submitter = _attribute(obj, "submitted_by")
    return submitter is not _MISSING and submitter is not None and _user_id(submitter) != user.pk


def has_role(role: Role) -> rules.Predicate:
    """The user is active and in the role's group."""
    return rules.is_active & rules.is_group_member(role.value)


is_surveyor = has_role(Role.SURVEYOR)
is_census_supervisor = has_role(Role.CENSUS_SUPERVISOR)
is_reviewer = has_role(Role.REVIEWER)

rules.add_perm("accounts.approve_submission", is_reviewer & is_not_submitter)
rules.add_perm("accounts.view_task", is_census_supervisor | (is_surveyor & is_assignee))
