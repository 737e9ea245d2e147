import datetime as dt

import pytest
from django.utils import timezone

from marketplace.models import IdempotencyRecord
from marketplace.tasks import idempotency_keys_prune
from pros.models import Pro
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.marketplace.idempotency_urls")]


@pytest.fixture
def client(api_client, marketplace):
    return api_client(marketplace, UserFactory(marketplace=marketplace))


def post(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/things/", body, format="json", **headers)


def test_a_retry_with_the_same_key_and_body_replays_the_first_response(client):
    first = post(client, {"name": "Acme"}, key="k-1")
    second = post(client, {"name": "Acme"}, key="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Pro.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(client):
    post(client, {"name": "Acme"}, key="k-1")
    response = post(client, {"name": "Other"}, key="k-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Pro.objects.count() == 1


def test_without_a_key_every_post_runs(client):
    post(client, {"name": "Acme"})
    post(client, {"name": "Acme"})
    assert Pro.objects.count() == 2


def test_keys_are_per_user(api_client, marketplace, client):
    other = api_client(marketplace, UserFactory(marketplace=marketplace))
    assert post(client, {"name": "Acme"}, key="shared").status_code == 201
    assert post(other, {"name": "Acme"}, key="shared").status_code == 201
    assert Pro.objects.count() == 2


def test_a_refusal_is_replayed_too(client):
    first = post(client, {"name": "Acme", "fail_with": 409}, key="k-2")
    again = post(client, {"name": "Acme", "fail_with": 409}, key="k-2")
    assert first.status_code == again.status_code == 409
    assert again.json()["error"]["code"] == "conflict_for_test"


def test_a_crash_releases_the_key_so_the_client_can_retry(client):
    client.raise_request_exception = False
    crashed = post(client, {"name": "Acme", "fail_with": 500}, key="k-3")
    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-3").exists()


def test_a_request_still_in_flight_answers_409_with_retry_after(client, marketplace):
    first = post(client, {"name": "Acme"}, key="k-4")
    assert first.status_code == 201
    record = IdempotencyRecord.objects.get(key="k-4")
    record.status_code = None  # as if the first request were still running
    record.save()
    response = post(client, {"name": "Acme"}, key="k-4")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"
    assert response["Retry-After"] == "1"


def test_an_abandoned_claim_is_taken_over_after_it_goes_stale(client, settings):
    post(client, {"name": "Acme"}, key="k-5")
    record = IdempotencyRecord.objects.get(key="k-5")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=None, created_at=timezone.now() - settings.IDEMPOTENCY_STALE_AFTER - dt.timedelta(seconds=1)
    )
    response = post(client, {"name": "Acme"}, key="k-5")
    assert response.status_code == 201
    assert Pro.objects.count() == 2  # the first attempt never answered, so it ran again


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_malformed_key_is_400(client, key):
    response = client.post("/api/v1/things/", {"name": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert Pro.objects.count() == 0


def test_the_prune_job_forgets_only_expired_keys(client, settings):
    post(client, {"name": "Old"}, key="old")
    post(client, {"name": "New"}, key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - dt.timedelta(minutes=1)
    )
    assert idempotency_keys_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
