"""No double charge for one job through cancel and re-create (issue #12 item 9).

A homeowner cancels a request a pro already paid for and posts the same job again (the
duplicate rule's category, area and target, within ``policy.duplicate_window_hours``): the pro
that paid gets the new request's lead with no fee; every other pro's lead carries its fee.
"""

import datetime as dt

import pytest
from django.db.models import Sum

from billing.models import Charge
from leads.models import Lead, LeadEvent, QuoteRequest

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/quote-requests/"


def _post(client, body):
    response = client.post(REQUESTS, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _accept(api_client, marketplace, user, request_id):
    lead = Lead.objects.get(request_id=request_id, pro=user.pro)
    response = api_client(marketplace, user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert response.status_code == 200, response.json()
    lead.refresh_from_db()
    return lead


def _paid(user):
    return Charge.objects.filter(pro=user.pro, status="succeeded").aggregate(total=Sum("amount"))["total"] or 0


def test_a_pro_that_paid_is_not_charged_again_when_the_job_is_cancelled_and_posted_again(
    api_client, marketplace, homeowner, make_pro, request_body
):
    payer, other = make_pro(rank=90.0), make_pro(rank=80.0)
    client = api_client(marketplace, homeowner)
    first = _post(client, request_body())
    assert _accept(api_client, marketplace, payer, first).fee_amount == 2500
    assert _paid(payer) == 2500

    assert client.post(f"{REQUESTS}{first}/cancel/").status_code == 200
    second = _post(client, request_body(description="Fix the kitchen sink, please."))

    again = Lead.objects.get(request_id=second, pro=payer.pro)
    assert again.fee_amount == 0
    assert "already paid for the same job" in LeadEvent.objects.filter(lead=again).first().note
    assert Lead.objects.get(request_id=second, pro=other.pro).fee_amount == 2500  # never paid: pays as usual
    pro_view = api_client(marketplace, payer).get(f"/api/v1/pro/leads/{again.pk}/").json()
    assert pro_view["fee"]["amount"] == 0

    accepted = _accept(api_client, marketplace, payer, second)
    assert accepted.contact_revealed_at is not None
    assert _paid(payer) == 2500  # one job, one charge


def test_a_profile_request_cancelled_and_posted_again_to_the_same_pro_is_free_for_it(
    api_client, marketplace, homeowner, make_pro, request_body
):
    payer = make_pro()
    client = api_client(marketplace, homeowner)
    marketplace.policy.fee_new = 1500
    marketplace.policy.save()
    first = _post(client, request_body(pro=payer.pro_id))
    assert _accept(api_client, marketplace, payer, first).fee_amount == 1500
    client.post(f"{REQUESTS}{first}/cancel/")
    second = _post(client, request_body(pro=payer.pro_id))
    assert Lead.objects.get(request_id=second).fee_amount == 0
    _accept(api_client, marketplace, payer, second)
    assert _paid(payer) == 1500


def test_outside_the_duplicate_window_or_for_another_job_the_fee_applies(
    api_client, marketplace, homeowner, make_pro, request_body
):
    payer = make_pro(areas=("M5V", "M4C"))
    client = api_client(marketplace, homeowner)
    first = _post(client, request_body())
    _accept(api_client, marketplace, payer, first)
    client.post(f"{REQUESTS}{first}/cancel/")

    elsewhere = _post(client, request_body(postal_code="M4C 1A1"))  # another area: another job
    assert Lead.objects.get(request_id=elsewhere, pro=payer.pro).fee_amount == 2500

    window = marketplace.policy.duplicate_window_hours
    QuoteRequest.objects.filter(pk=first).update(
        created_at=QuoteRequest.objects.get(pk=first).created_at - dt.timedelta(hours=window + 1)
    )
    later = _post(client, request_body())
    assert Lead.objects.get(request_id=later, pro=payer.pro).fee_amount == 2500
