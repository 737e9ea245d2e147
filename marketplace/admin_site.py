"""The admin site: password login (locked out by django-axes after repeated failures) plus an
optional second factor. A staff member with a confirmed TOTP device (django-otp) must enter
its code at login, and a session that was not verified with it is not let in; staff without
a device log in with their password alone. Platform staff enrol a device for a staff member
under *OTP_TOTP → TOTP devices* (the QR code is shown there)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice


def second_factor_satisfied(request: HttpRequest) -> bool:
    """True unless the user has a confirmed device and this session was not verified with it."""
    user = request.user
    if not user.is_authenticated or not user_has_device(user, confirmed=True):
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


class StaffLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=16,
        help_text="Only if an authenticator app is set up for your account.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()  # the password (django-axes counts failures there)
        user = self.get_user()
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)) if user else []
        if not devices:
            return cleaned
        token = (cleaned.get("otp_token") or "").replace(" ", "")
        if not token:
            raise forms.ValidationError(_("Enter the code from your authenticator app."), code="token_required")
        for device in devices:
            allowed, _throttle = device.verify_is_allowed()  # django-otp throttles failed codes per device
            if allowed and device.verify_token(token):
                user.otp_device = device  # type: ignore[attr-defined]  # django-otp marks the session verified at login
                return cleaned
        raise forms.ValidationError(_("That authentication code is wrong or expired."), code="invalid_token")


class StaffAdminSite(admin.AdminSite):
    login_form = StaffLoginForm
    login_template = "admin/login_with_code.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_satisfied(request)
