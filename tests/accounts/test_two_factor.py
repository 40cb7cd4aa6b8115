"""Staff two-factor sign-in: who must use it, enrolment with a QR code and backup codes, the code after the
password (staff sign-in and admin), a password-only session is anonymous, an administrator resets a device."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.db import connection
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from geo_portal.accounts.models import RoleChange
from geo_portal.accounts.roles import PERSONAL_DATA_ROLES
from geo_portal.accounts.services import StaffChangeRefused, StaffPermissionDenied, staff_reset_two_factor
from geo_portal.accounts.two_factor import two_factor_required, two_factor_roles
from tests.accounts.factories import PASSWORD, make_staff, totp_code, verified_login
from tests.census.conftest import street  # noqa: F401 (fixture)
from tests.reissue.conftest import counter_case, fees, staff  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.two_factor_steps]


@pytest.fixture(autouse=True)
def _lenient_login_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "1000/minute"},
    }


def sign_in(client, username: str, next_url: str = "/staff/"):
    return client.post("/staff/login/", {"username": username, "password": PASSWORD, "next": next_url})


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_who_must_use_two_factors():
    roles = ["surveyor", "census_supervisor", "clerk", "reviewer", "registrar", "administrator"]
    required = {role: two_factor_required(make_staff(f"u-{role}", role)) for role in roles}
    assert required == {
        "surveyor": False,
        "census_supervisor": False,
        "clerk": True,  # re-issue applicants, reporters' contacts
        "reviewer": True,  # receipts, citizen reports
        "registrar": True,
        "administrator": True,
    }
    superuser = get_user_model().objects.create_superuser("root-2fa", password=PASSWORD)
    assert two_factor_required(superuser) is True
    surveyor = get_user_model().objects.get(username="u-surveyor")
    enrolled(surveyor)
    assert two_factor_required(surveyor) is True  # whoever enrolled a device uses it


def test_every_role_that_reads_personal_data_needs_two_factors_whatever_the_setting(settings):
    assert sorted(role.value for role in PERSONAL_DATA_ROLES) == ["administrator", "clerk", "registrar", "reviewer"]
    settings.STAFF_TWO_FACTOR_ROLES = ("surveyor",)  # a deployment adds a role; it cannot take one away
    assert two_factor_roles() == ["surveyor", "clerk", "reviewer", "registrar", "administrator"]
    assert two_factor_required(make_staff("cl-setting", "clerk")) is True
    assert two_factor_required(make_staff("su-setting", "surveyor")) is True
    assert two_factor_required(make_staff("sv-setting", "census_supervisor")) is False
    # A personal-data permission granted by hand, outside the roles, counts too.
    supervisor = make_staff("sv-perm", "census_supervisor")
    supervisor.user_permissions.add(Permission.objects.get(codename="handle_cases", content_type__app_label="reissue"))
    assert two_factor_required(get_user_model().objects.get(pk=supervisor.pk)) is True


def test_a_registrar_enrols_with_the_qr_code_and_gets_backup_codes(client):
    registrar = make_staff("reg-new", "registrar")
    response = sign_in(client, "reg-new", "/registry/")
    assert (response.status_code, response["Location"]) == (302, "/registry/")
    # Only a password so far: the register answers as to anyone signed out, the sign-in page sends on to the code.
    assert client.get("/registry/")["Location"] == "/staff/login/?next=/registry/"
    assert client.get("/staff/login/?next=/registry/")["Location"] == "/staff/two-factor/?next=%2Fregistry%2F"
    assert client.get("/staff/two-factor/?next=/registry/")["Location"] == "/staff/two-factor/setup/?next=%2Fregistry%2F"

    page = client.get("/staff/two-factor/setup/?next=/registry/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<script" not in html.split("<main", 1)[-1]
    device = TOTPDevice.objects.get(user=registrar, confirmed=False)
    key = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    assert len(key) == 32  # 20 random bytes in base32

    wrong = client.post("/staff/two-factor/setup/", {"code": "000000", "next": "/registry/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The code is wrong or has expired." in wrong.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False

    done = client.post("/staff/two-factor/setup/", {"code": totp_code(device), "next": "/registry/"})
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    assert sorted(StaticToken.objects.filter(device__user=registrar).values_list("token", flat=True)) == sorted(codes)
    assert client.get("/staff/")["Cache-Control"]  # signed in with both factors now
    assert client.get("/staff/").status_code == 200
    assert client.get("/registry/").status_code == 200


def test_the_code_after_the_password_and_single_use_backup_codes(client):
    registrar = make_staff("reg-2fa", "registrar")
    device = enrolled(registrar)
    backup = StaticDevice.objects.create(user=registrar, name="backup codes", confirmed=True)
    backup.token_set.create(token="backup12")

    assert sign_in(client, "reg-2fa")["Location"] == "/staff/"
    assert client.get("/staff/")["Location"] == "/staff/login/?next=/staff/"
    assert client.get("/staff/two-factor/?next=/staff/").status_code == 200
    # Enrolling another device needs the second factor first: a password alone cannot add one.
    assert client.get("/staff/two-factor/setup/")["Location"] == "/staff/two-factor/?next=%2Fstaff%2F"
    refused = client.post("/staff/two-factor/", {"code": "123456", "next": "/staff/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The code is wrong or has expired." in refused.content.decode()
    ok = client.post("/staff/two-factor/", {"code": totp_code(device), "next": "/staff/"})
    assert (ok.status_code, ok["Location"]) == (302, "/staff/")
    assert client.get("/staff/").status_code == 200

    other = client.__class__()
    sign_in(other, "reg-2fa")
    assert other.post("/staff/two-factor/", {"code": "BACKUP12", "next": "/staff/"})["Location"] == "/staff/"
    assert other.get("/staff/").status_code == 200
    third = client.__class__()
    sign_in(third, "reg-2fa")
    again = third.post("/staff/two-factor/", {"code": "backup12", "next": "/staff/"})
    assert again.status_code == 200  # a backup code works once
    assert third.get("/staff/")["Location"] == "/staff/login/?next=/staff/"


def test_roles_without_personal_data_sign_in_with_a_password(client):
    make_staff("surveyor-1fa", "surveyor")
    assert sign_in(client, "surveyor-1fa")["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_clerk_without_a_device_is_sent_to_enrol_and_reads_no_applicant_until_verified(client, counter_case):  # noqa: F811
    clerk = get_user_model().objects.get(username="clerk1")
    case_page = f"/reissue/cases/{counter_case.pk}/"
    assert sign_in(client, "clerk1", case_page)["Location"] == case_page
    # Password only: the case (the applicant's name, phone and e-mail) answers as to anyone signed out …
    refused = client.get(case_page)
    assert (refused.status_code, refused["Location"]) == (302, f"/staff/login/?next={case_page}")
    assert "王小明" not in refused.content.decode()
    assert client.get("/reissue/").status_code == 302
    # … and the sign-in page sends the clerk on to the code page, which sends them to enrolment (no device yet).
    assert client.get(refused["Location"])["Location"] == "/staff/two-factor/?next=%2Freissue%2Fcases%2F" + (
        f"{counter_case.pk}%2F"
    )
    setup = client.get(f"/staff/two-factor/?next={case_page}")["Location"]
    assert setup == f"/staff/two-factor/setup/?next=%2Freissue%2Fcases%2F{counter_case.pk}%2F"
    page = client.get(setup, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    assert client.get(case_page).status_code == 302  # still nothing before the code is confirmed

    done = client.post("/staff/two-factor/setup/", {"code": totp_code(device), "next": case_page})
    assert done.status_code == 200  # the backup codes, shown once
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True
    opened = client.get(case_page, HTTP_ACCEPT_LANGUAGE="en")
    assert opened.status_code == 200
    text = opened.content.decode()
    assert "王小明" in text and "ming@example.tw" in text

    # The next sign-in asks for the code before the applicant shows.
    other = client.__class__()
    sign_in(other, "clerk1", case_page)
    assert other.get(case_page)["Location"] == f"/staff/login/?next={case_page}"
    assert (
        other.post("/staff/two-factor/", {"code": totp_code(device, offset_steps=1), "next": case_page})["Location"]
        == case_page
    )
    assert "王小明" in other.get(case_page).content.decode()


def test_the_admin_sign_in_asks_for_the_code_of_a_superuser(client):
    root = get_user_model().objects.create_superuser("root-admin", password=PASSWORD)
    device = enrolled(root)
    response = client.post("/admin/login/?next=/admin/", {"username": "root-admin", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/staff/two-factor/?next=%2Fadmin%2F"
    assert client.post("/staff/two-factor/", {"code": totp_code(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # The device admins of django-otp (which show secret keys) are not in the admin.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_the_api_sees_a_password_only_session_as_anonymous(client, settings):
    settings.THROTTLE_SIGNED_IN_FACTOR = 1
    registrar = make_staff("reg-api", "registrar")
    sign_in(client, "reg-api")
    client.get("/api/v1/geocode", {"q": "光復路1號"})
    verified_login(client, registrar)
    client.get("/api/v1/geocode", {"q": "光復路1號"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT split_part(key, ':', 3) FROM core_throttle_counter WHERE key LIKE 'throttle:geocode:%%'")
        assert sorted(row[0] for row in cursor.fetchall()) == ["127.0.0.1", f"user-{registrar.pk}"]


def test_an_administrator_resets_a_lost_device(client):
    admin_user = make_staff("adm-reset", "administrator")
    registrar = make_staff("reg-lost", "registrar")
    enrolled(registrar)
    StaticDevice.objects.create(user=registrar, name="backup codes", confirmed=True)
    verified_login(client, registrar)
    assert client.get("/staff/").status_code == 200

    with pytest.raises(StaffPermissionDenied):
        staff_reset_two_factor(actor=registrar, user=registrar, reason="lost")
    with pytest.raises(StaffChangeRefused, match="give a reason"):
        staff_reset_two_factor(actor=admin_user, user=registrar, reason=" ")
    change = staff_reset_two_factor(actor=admin_user, user=registrar, reason="phone lost")
    assert (change.kind, change.actor, change.user, change.reason) == (
        "two_factor_reset",
        admin_user,
        registrar,
        "phone lost",
    )
    assert TOTPDevice.objects.filter(user=registrar).count() == 0
    assert StaticDevice.objects.filter(user=registrar).count() == 0
    assert client.get("/staff/")["Location"] == "/staff/login/?next=/staff/"  # their session ended
    assert Session.objects.count() == 0
    # Next sign-in: the password, then enrolment again.
    assert sign_in(client, "reg-lost")["Location"] == "/staff/"
    assert client.get("/staff/two-factor/")["Location"] == "/staff/two-factor/setup/?next=%2Fstaff%2F"


def test_the_admin_action_resets_devices_and_is_recorded(client):
    admin_user = make_staff("adm-action", "administrator")
    registrar = make_staff("reg-action", "registrar")
    enrolled(registrar)
    verified_login(client, admin_user)
    response = client.post(
        "/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [registrar.pk]}, follow=True
    )
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=registrar).count() == 0
    assert list(RoleChange.objects.filter(kind="two_factor_reset").values_list("actor__username", "user__username")) == [
        ("adm-action", "reg-action")
    ]
