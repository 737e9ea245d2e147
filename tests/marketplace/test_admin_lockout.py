"""Issue 12, item 4: the admin login cannot be brute-forced (django-axes). After a few failures
the account is locked from every address and the address for every account, even with the
right password; platform staff see the lockout in the admin and lift it."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from marketplace.models import User
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def attempt(client: Client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def logged_in(client: Client, address: str = "203.0.113.7") -> bool:
    return client.get("/admin/", REMOTE_ADDR=address).status_code == 200


def test_a_locked_out_staff_login_stays_locked_with_the_right_password(client, marketplace, settings):
    staff = UserFactory(marketplace=marketplace, role="staff", email="boss@maple.test")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, staff.email, "wrong-guess").status_code == 200  # the form again, with an error
    assert attempt(client, staff.email, "wrong-guess").status_code == 429  # the last allowed failure locks

    locked = attempt(client, staff.email, PASSWORD)

    assert locked.status_code == 429
    assert b"Sign-in locked" in locked.content
    assert not logged_in(client)
    # The account is locked from any other address too (case and spaces do not dodge it).
    assert attempt(Client(), " BOSS@maple.test ", PASSWORD, address="198.51.100.9").status_code == 429


def test_an_address_that_guesses_many_accounts_is_locked_for_every_account(client, marketplace, settings):
    staff = UserFactory(marketplace=marketplace, role="staff", email="boss@maple.test")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess{n}@maple.test", "wrong-guess")

    assert attempt(client, staff.email, PASSWORD).status_code == 429
    assert not logged_in(client)
    other = Client()  # the same account from a clean address still works
    assert attempt(other, staff.email, PASSWORD, address="198.51.100.9").status_code == 302
    assert logged_in(other, address="198.51.100.9")


def test_a_forwarded_for_header_does_not_dodge_the_address_lockout(client, marketplace, settings):
    """NUM_PROXIES=0: the socket's address counts, whatever X-Forwarded-For says."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"guess{n}@maple.test", "password": "x"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").count() == settings.AXES_FAILURE_LIMIT


def test_platform_staff_see_the_lockout_and_lift_it(client, marketplace, settings):
    staff = UserFactory(marketplace=marketplace, role="staff", email="boss@maple.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, staff.email, "wrong-guess")
    assert attempt(client, staff.email, PASSWORD).status_code == 429

    platform = User.objects.create_superuser("root@platform.test", PASSWORD, name="Root")
    admin = Client()
    admin.force_login(platform)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert b"boss@maple.test" in listing.content and b"203.0.113.7" in listing.content
    lockout = AccessAttempt.objects.get(username="boss@maple.test")
    lifted = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [lockout.pk], "post": "yes"},
    )
    assert lifted.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert attempt(client, staff.email, PASSWORD).status_code == 302
    assert logged_in(client)


def test_marketplace_staff_cannot_see_or_lift_lockouts(client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff", email="boss@maple.test")
    client.force_login(staff)
    assert client.get("/admin/axes/accessattempt/").status_code == 403
    assert b"Access attempts" not in client.get("/admin/").content
