"""Real threads, each with its own PostgreSQL connection, hitting the accept endpoint at once."""

import threading

import pytest
from django.db import connection

from billing.models import Charge, LedgerEntry, LocalGatewayPayment
from leads.models import Lead
from tests.factories import LeadFactory, QuoteRequestFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(calls):
    """Run each zero-argument callable in its own thread, released together; return results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def accept_call(api_client, user, lead, **headers):
    def call():
        client = api_client(user.marketplace, user)
        response = client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json", **headers)
        return response.status_code, response.json()

    return call


def test_n_pros_accepting_one_matched_request_never_exceed_its_capacity(api_client, marketplace, make_pro):
    policy = marketplace.policy
    policy.matched_capacity = 3
    policy.save()
    request = QuoteRequestFactory(marketplace=marketplace)
    users = [make_pro() for _ in range(6)]
    leads = [LeadFactory(marketplace=marketplace, request=request, pro=u.pro, kind="matched") for u in users]

    results = run_at_once([accept_call(api_client, u, lead) for u, lead in zip(users, leads, strict=True)])

    codes = sorted(code for code, _ in results)
    assert codes.count(200) == 3, results
    assert set(codes) <= {200, 409}
    assert Lead.objects.filter(request=request, status="accepted").count() == 3
    assert Lead.objects.filter(request=request, status="filled").count() == 3
    assert Charge.objects.filter(status="succeeded").count() == 3
    assert LocalGatewayPayment.objects.count() == 3


def test_one_pros_double_tap_is_charged_once(api_client, make_pro):
    user = make_pro()
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)

    results = run_at_once([accept_call(api_client, user, lead) for _ in range(5)])

    assert any(code == 200 for code, _ in results)
    assert {code for code, _ in results} <= {200, 409}, results
    assert Charge.objects.count() == 1
    assert LocalGatewayPayment.objects.count() == 1
    assert LedgerEntry.objects.count() == 1
    assert Lead.objects.get(pk=lead.pk).status == "accepted"


def test_retries_with_one_idempotency_key_charge_once(api_client, make_pro):
    user = make_pro()
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)

    results = run_at_once([accept_call(api_client, user, lead, HTTP_IDEMPOTENCY_KEY="same-key") for _ in range(4)])

    assert any(code == 200 for code, _ in results)
    assert {code for code, _ in results} <= {200, 409}, results
    assert LocalGatewayPayment.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_concurrent_accepts_never_exceed_the_weekly_spend_cap(api_client, make_pro):
    user = make_pro(cap=5000)
    leads = [
        LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace, fee_amount=2500)
        for _ in range(4)
    ]

    results = run_at_once([accept_call(api_client, user, lead) for lead in leads])

    assert sorted(code for code, _ in results) == [200, 200, 402, 402], results
    assert sum(Charge.objects.filter(status="succeeded").values_list("amount", flat=True)) == 5000
