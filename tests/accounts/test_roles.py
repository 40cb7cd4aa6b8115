"""Role groups and their permissions: created by migrate, kept exactly in step with the map, idempotently."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.models import Group, Permission

from geo_portal.accounts import roles as roles_module
from geo_portal.accounts.roles import ROLE_PERMISSIONS, Role, UnknownRole, parse_roles
from geo_portal.accounts.services import roles_sync

pytestmark = pytest.mark.django_db


def group_permissions() -> dict[str, list[str]]:
    return {
        group.name: sorted(
            f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
        )
        for group in Group.objects.order_by("name")
    }


def test_migrate_created_every_role_group_with_its_permissions():
    assert group_permissions() == {role.value: sorted(perms) for role, perms in sorted(ROLE_PERMISSIONS.items())}
    assert group_permissions()["clerk"] == [
        "accounts.edit_plates",
        "accounts.view_staff_home",
        "addresses.add_doorplate",
        "addresses.change_doorplate",
        "addresses.view_doorplate",
        "ingest.view_importbatch",
        "reissue.handle_cases",
        "reports.change_citizenreport",
        "reports.view_citizenreport",
    ]
    assert group_permissions()["reviewer"] == [
        "accounts.review_changes",
        "accounts.view_staff_home",
        "homevisits.view_visit_statistics",
        "reissue.approve_money",
        "reissue.manage_fees",
        "reports.view_citizenreport",
    ]
    assert group_permissions()["registrar"] == [
        "accounts.read_personal_data",
        "accounts.view_staff_home",
        "registry.register_events",
        "registry.review_events",
    ]


def test_roles_sync_is_idempotent_and_repairs_drift():
    before = group_permissions()
    groups_before = list(Group.objects.order_by("pk").values_list("pk", "name"))
    assert roles_sync() == {role: len(ROLE_PERMISSIONS[role]) for role in Role}
    assert roles_sync() == roles_sync()
    assert group_permissions() == before
    assert list(Group.objects.order_by("pk").values_list("pk", "name")) == groups_before  # same rows, none added
    # Someone gave surveyors a permission by hand and deleted the reviewer group: the next sync undoes both.
    Group.objects.get(name="surveyor").permissions.add(Permission.objects.get(codename="manage_staff"))
    Group.objects.get(name="reviewer").delete()
    roles_sync()
    assert group_permissions() == before


def test_roles_sync_names_a_mapped_permission_that_no_app_declares(monkeypatch):
    broken = {**ROLE_PERMISSIONS, Role.CLERK: ROLE_PERMISSIONS[Role.CLERK] | {"reports.fly_to_the_moon"}}
    monkeypatch.setattr("geo_portal.accounts.services.ROLE_PERMISSIONS", broken)
    with pytest.raises(LookupError) as exc:
        roles_sync()
    assert str(exc.value) == "roles map permissions that no installed app declares: reports.fly_to_the_moon"


def test_role_labels_in_both_languages():
    from django.utils import translation

    with translation.override("zh-hant"):
        assert [str(r.label) for r in Role] == ["調查員", "普查督導", "承辦人", "審核人", "戶籍員", "系統管理員"]
    with translation.override("en"):
        assert [str(r.label) for r in Role] == [
            "surveyor",
            "census supervisor",
            "clerk",
            "reviewer",
            "registrar",
            "administrator",
        ]


def test_unknown_roles_are_refused_naming_the_valid_ones():
    assert parse_roles(["clerk", "reviewer", "clerk"]) == {Role.CLERK, Role.REVIEWER}
    with pytest.raises(UnknownRole) as exc:
        parse_roles(["clerk", "boss", "janitor"])
    assert str(exc.value) == (
        "unknown roles 'boss', 'janitor'; "
        "valid roles: surveyor, census_supervisor, clerk, reviewer, registrar, administrator"
    )
    assert roles_module.Role.values == [r.value for r in Role]


def test_argon2_hashes_passwords_in_the_deployed_settings():
    from geo_portal.config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert base.AUTHENTICATION_BACKENDS == [
        "geo_portal.accounts.lockout.LockoutBackend",
        "rules.permissions.ObjectPermissionBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    hasher = Argon2PasswordHasher()  # needs argon2-cffi
    encoded = hasher.encode("secret", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    assert hasher.verify("secret", encoded) and not hasher.verify("Secret", encoded)
