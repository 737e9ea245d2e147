"""Optional TOTP for staff (django-otp): a staff member with a confirmed authenticator must give
its code at the admin login, and a session not verified with it is refused; staff without one
log in with the password alone (issue 12, item 4, optional part)."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff_with_device(marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff", email="boss@maple.test")
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    return staff, device


def code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps)
    return str(value).zfill(device.digits)


def test_the_login_page_asks_for_the_code(client):
    page = client.get(LOGIN)
    assert page.status_code == 200 and b'name="otp_token"' in page.content


def test_staff_with_an_authenticator_need_its_code(client, staff_with_device):
    staff, device = staff_with_device
    without = client.post(LOGIN, {"username": staff.email, "password": PASSWORD})
    assert without.status_code == 200 and b"Enter the code from your authenticator app." in without.content
    wrong = client.post(LOGIN, {"username": staff.email, "password": PASSWORD, "otp_token": "000000"})
    assert wrong.status_code == 200 and b"wrong or expired" in wrong.content
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows the next guesses down
    device.throttle_reset()  # (the wait is 1 s after one failure; the test does not sleep it)

    right = client.post(LOGIN, {"username": staff.email, "password": PASSWORD, "otp_token": code(device)})
    assert right.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_not_verified_with_the_code_is_not_let_in(staff_with_device):
    staff, _ = staff_with_device
    client = Client()
    client.force_login(staff)  # a password-only session (e.g. from before the device was added)
    assert client.get("/admin/").status_code == 302


def test_staff_without_an_authenticator_log_in_with_the_password(client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff", email="plain@maple.test")
    assert client.post(LOGIN, {"username": staff.email, "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_used_code_cannot_log_in_again(staff_with_device):
    staff, device = staff_with_device
    token = code(device)
    first = Client().post(LOGIN, {"username": staff.email, "password": PASSWORD, "otp_token": token})
    assert first.status_code == 302
    device.refresh_from_db()
    replay = Client().post(LOGIN, {"username": staff.email, "password": PASSWORD, "otp_token": token})
    assert replay.status_code == 200  # TOTP codes are single-use (django-otp keeps the last step)
