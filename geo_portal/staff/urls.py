"""Staff page URLs under ``/staff/``: home, sign-in (throttled per client like the admin's), sign-out (POST),
password change, the two-factor code and enrolment."""

from django.urls import path

from geo_portal.core.throttling import client_throttled
from geo_portal.staff import two_factor, views

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    # The sign-in form is public: a strict per-client rate against password guessing.
    path("login/", client_throttled("login", methods=("POST",))(views.LoginView.as_view()), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("two-factor/", two_factor.verify_page, name="two-factor"),
    path("two-factor/setup/", two_factor.setup_page, name="two-factor-setup"),
]
