"""Staff accounts in the Django admin: roles shown and changed through the services (so every change is
recorded), disable/enable/reset-password actions for administrators, and the read-only record of role changes.

Groups, permissions and the active flag are not edited directly here: that would bypass the record.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from geo_portal.accounts.forms import StaffAdminAuthenticationForm
from geo_portal.accounts.models import RoleChange
from geo_portal.accounts.roles import Role
from geo_portal.accounts.selectors import is_administrator, role_groups_of
from geo_portal.accounts.services import (
    StaffChangeRefused,
    StaffPermissionDenied,
    staff_create,
    staff_disable,
    staff_enable,
    staff_reset_password,
    staff_reset_two_factor,
    staff_set_roles,
    staff_unlock_sign_in,
)

User = get_user_model()
ROLES_FIELD_HELP = _("Changes are recorded with your name and the time.")


def _roles_field(required: bool) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
        help_text=ROLES_FIELD_HELP,
    )


def _password_message(user, password: str) -> str:
    return gettext("Password of %(user)s: %(password)s") % {"user": user, "password": password}


class StaffChangeForm(UserChangeForm):
    roles = _roles_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(r.value for r in role_groups_of(self.instance))


class StaffCreationForm(AdminUserCreationForm):
    roles = _roles_field(required=True)


class StaffUserAdmin(UserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ("username", "email", "roles_display", "is_active", "last_login")
    list_filter = ("is_active", "groups")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("roles"), {"fields": ("roles",)}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2", "roles")}),)
    readonly_fields = ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")
    actions = ("disable_accounts", "enable_accounts", "reset_passwords", "reset_two_factor", "unlock_sign_in")

    @admin.display(description=_("roles"))
    def roles_display(self, obj) -> str:
        return ", ".join(str(Role(r).label) for r in sorted(r.value for r in role_groups_of(obj))) or "—"

    def has_manage_staff_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            # Through the service: profile, roles and the record in one transaction.
            user, password = staff_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                roles=form.cleaned_data["roles"],
                email=form.cleaned_data.get("email", ""),
                password=form.cleaned_data.get("password1") or None,
            )
            obj.pk, obj._state.adding = user.pk, False
            if not form.cleaned_data.get("password1"):
                messages.warning(
                    request, gettext("Password of %(user)s: %(password)s") % {"user": user, "password": password}
                )
            return
        super().save_model(request, obj, form, change)
        if "roles" in form.changed_data:
            try:
                staff_set_roles(actor=request.user, user=obj, roles=form.cleaned_data["roles"], reason="admin")
            except (StaffChangeRefused, StaffPermissionDenied) as exc:
                messages.error(request, str(exc))

    @admin.action(description=_("Disable the selected accounts (their sessions end)"), permissions=["manage_staff"])
    def disable_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            try:
                staff_disable(actor=request.user, user=user, reason=gettext("disabled in the admin"))
            except StaffChangeRefused as exc:
                messages.error(request, str(exc))

    @admin.action(description=_("Enable the selected accounts"), permissions=["manage_staff"])
    def enable_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            try:
                staff_enable(actor=request.user, user=user, reason=gettext("enabled in the admin"))
            except StaffChangeRefused as exc:
                messages.error(request, str(exc))

    @admin.action(description=_("Reset the passwords of the selected accounts"), permissions=["manage_staff"])
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            password = staff_reset_password(actor=request.user, user=user)
            messages.warning(request, _password_message(user, password))

    @admin.action(
        description=_("Reset the two-factor devices of the selected accounts (they enrol again)"),
        permissions=["manage_staff"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            staff_reset_two_factor(actor=request.user, user=user, reason=gettext("reset in the admin"))
            messages.info(request, gettext("Two-factor devices of %(user)s removed.") % {"user": user})

    @admin.action(description=_("Unlock sign-in of the selected accounts"), permissions=["manage_staff"])
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            if staff_unlock_sign_in(actor=request.user, user=user) is not None:
                messages.info(request, gettext("Sign-in of %(user)s unlocked.") % {"user": user})


@admin.register(RoleChange)
class RoleChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "user", "actor", "roles_before", "roles_after", "active_after", "reason")
    list_filter = ("kind", "at")
    list_select_related = ("user", "actor")
    search_fields = ("user__username", "actor__username")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
# The admin's sign-in says when an account name is locked (accounts.lockout), like the staff sign-in page.
admin.site.login_form = StaffAdminAuthenticationForm
# django-otp's device admins show each device's secret key (and its QR code) to anyone with the admin: devices are
# managed by their owners on the two-factor pages and reset by administrators with the action above.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
