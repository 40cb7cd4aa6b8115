"""Sign-in forms that say when an account name is locked (``lockout``) instead of "wrong password", for the staff
sign-in page and the admin's; and the code form of the two-factor pages."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo_portal.accounts.lockout import LOCKED_FLAG

LOCKED_MESSAGE = _("Too many failed sign-ins for this account. Try again after %(time)s.")


class _LockoutMessage:
    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            until = getattr(self.request, LOCKED_FLAG, None) if self.request is not None else None
            if until is not None:
                when = timezone.localtime(until).strftime("%H:%M:%S")
                raise ValidationError(LOCKED_MESSAGE, code="locked", params={"time": when}) from None
            raise


class StaffAuthenticationForm(_LockoutMessage, AuthenticationForm):
    pass


class StaffAdminAuthenticationForm(_LockoutMessage, AdminAuthenticationForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
