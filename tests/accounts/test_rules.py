"""Object rules: a reviewer never approves their own submission; a surveyor sees only their own tasks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from geo_portal.accounts.rules import is_assignee, is_not_submitter, is_submitter
from tests.accounts.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "reviewer": make_staff("rita", "reviewer"),
        "reviewer2": make_staff("rex", "reviewer"),
        "clerk": make_staff("carl", "clerk"),
        "surveyor": make_staff("sue", "surveyor"),
        "surveyor2": make_staff("sam", "surveyor"),
        "supervisor": make_staff("sol", "census_supervisor"),
    }


def test_reviewer_cannot_approve_own_submission(people):
    rita, rex, carl = people["reviewer"], people["reviewer2"], people["clerk"]
    by_rita = SimpleNamespace(submitted_by=rita)
    by_carl = SimpleNamespace(submitted_by=carl)
    assert rita.has_perm("accounts.approve_submission", by_rita) is False
    assert rex.has_perm("accounts.approve_submission", by_rita) is True
    assert rita.has_perm("accounts.approve_submission", by_carl) is True
    assert carl.has_perm("accounts.approve_submission", by_rita) is False  # not a reviewer
    # Objects that keep only the id, and objects without a submitter (refused: fail closed), or none at all.
    assert rita.has_perm("accounts.approve_submission", SimpleNamespace(submitted_by_id=rita.pk)) is False
    assert rita.has_perm("accounts.approve_submission", SimpleNamespace(submitted_by_id=carl.pk)) is True
    assert rita.has_perm("accounts.approve_submission", SimpleNamespace(submitted_by=None)) is False
    assert rita.has_perm("accounts.approve_submission", SimpleNamespace()) is False
    assert rita.has_perm("accounts.approve_submission") is False


def test_disabled_reviewer_approves_nothing(people):
    rex = people["reviewer2"]
    rex.is_active = False
    assert rex.has_perm("accounts.approve_submission", SimpleNamespace(submitted_by=people["clerk"])) is False


def test_surveyor_sees_only_own_task_supervisor_sees_all(people):
    sue, sam, sol, carl = people["surveyor"], people["surveyor2"], people["supervisor"], people["clerk"]
    sues_task = SimpleNamespace(assigned_to=sue)
    sams_task = SimpleNamespace(assignee=sam)
    unassigned = SimpleNamespace(assigned_to=None)
    assert [sue.has_perm("accounts.view_task", t) for t in (sues_task, sams_task, unassigned)] == [True, False, False]
    assert [sam.has_perm("accounts.view_task", t) for t in (sues_task, sams_task, unassigned)] == [False, True, False]
    assert [sol.has_perm("accounts.view_task", t) for t in (sues_task, sams_task, unassigned)] == [True, True, True]
    assert [carl.has_perm("accounts.view_task", t) for t in (sues_task, sams_task, unassigned)] == [False, False, False]
    assert sue.has_perm("accounts.view_task", SimpleNamespace(assigned_to_id=sue.pk)) is True
    assert sue.has_perm("accounts.view_task") is False  # "all tasks" is the supervisor's
    assert sol.has_perm("accounts.view_task") is True


def test_predicates_on_plain_objects(people):
    sue, sam = people["surveyor"], people["surveyor2"]
    assert is_assignee(sue, SimpleNamespace(assigned_to=sue)) is True
    assert is_assignee(sue, SimpleNamespace(assignee=sam)) is False
    assert is_assignee(sue, SimpleNamespace(owner=sue)) is False
    assert is_assignee(sue, None) is False
    assert is_submitter(sue, SimpleNamespace(submitted_by=sue)) is True
    assert is_not_submitter(sue, SimpleNamespace(submitted_by=sue)) is False
    assert is_not_submitter(sue, SimpleNamespace(submitted_by=sam)) is True
    assert is_not_submitter(sue, SimpleNamespace(submitted_by=None)) is False
