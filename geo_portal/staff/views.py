"""Staff pages: the home page (login required) and thin wrappers of Django's sign-in, sign-out and password
change views with our templates. Public pages never require login; only these do."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from geo_portal.accounts.forms import StaffAuthenticationForm
from geo_portal.accounts.middleware import IDLE_SIGNED_OUT_KEY
from geo_portal.accounts.selectors import is_administrator, must_change_password
from geo_portal.accounts.services import staff_password_changed
from geo_portal.core.health import run_checks
from geo_portal.staff.sections import sections_for

LOGIN_URL = reverse_lazy("staff:login")


@require_GET
@never_cache
@login_required(login_url=LOGIN_URL)
def home(request: HttpRequest) -> HttpResponse:
    """Each of the user's roles as a section of links with counts of work waiting."""
    # The operations panel (worker, backlog, failed jobs and imports, what other apps registered): administrators.
    operations = run_checks() if is_administrator(request.user) else None
    return render(
        request,
        "staff/home.html",
        {
            "sections": sections_for(request.user),
            "must_change_password": must_change_password(request.user),
            "operations": operations,
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    form_class = StaffAuthenticationForm
    next_page = reverse_lazy("staff:home")
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Said once, on the sign-in page after the idle timeout ended the session (accounts.middleware).
        idle = self.request.session.pop(IDLE_SIGNED_OUT_KEY, False)
        return {**super().get_context_data(**kwargs), "idle_signed_out": idle}


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("staff:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "staff/password_change.html"
    success_url = reverse_lazy("staff:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        staff_password_changed(user=self.request.user)
        return response


password_change = login_required(PasswordChangeView.as_view(), login_url=LOGIN_URL)
