"""Business metrics move with the business: offers, answers and charges, counted on commit."""

import pytest
from prometheus_client import REGISTRY

from tests.factories import LeadFactory, QuoteRequestFactory

pytestmark = pytest.mark.django_db


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_an_accept_moves_the_accept_and_charge_counters_once_committed(
    api_client, make_pro, django_capture_on_commit_callbacks
):
    user = make_pro()
    lead = LeadFactory(
        marketplace=user.marketplace,
        request=QuoteRequestFactory(marketplace=user.marketplace),
        pro=user.pro,
        fee_amount=2500,
    )
    accepted = sample("leadmarket_lead_answers_total", outcome="accepted")
    charged = sample("leadmarket_charges_total", outcome="succeeded")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(user.marketplace, user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert response.status_code == 200

    assert sample("leadmarket_lead_answers_total", outcome="accepted") == accepted + 1
    assert sample("leadmarket_charges_total", outcome="succeeded") == charged + 1


def test_a_declined_card_counts_a_declined_charge_and_no_accept(
    api_client, make_pro, django_capture_on_commit_callbacks
):
    user = make_pro(card="pm_card_chargeDeclined")
    lead = LeadFactory(
        marketplace=user.marketplace, request=QuoteRequestFactory(marketplace=user.marketplace), pro=user.pro
    )
    accepted = sample("leadmarket_lead_answers_total", outcome="accepted")
    declined = sample("leadmarket_charges_total", outcome="declined")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(user.marketplace, user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert response.status_code == 402

    assert sample("leadmarket_charges_total", outcome="declined") == declined + 1
    assert sample("leadmarket_lead_answers_total", outcome="accepted") == accepted


def test_a_reject_and_the_offers_of_a_request_are_counted(
    api_client, make_pro, homeowner, request_body, django_capture_on_commit_callbacks
):
    user = make_pro()
    offered = sample("leadmarket_leads_offered_total", kind="new")
    rejected = sample("leadmarket_lead_answers_total", outcome="rejected")

    with django_capture_on_commit_callbacks(execute=True):
        created = api_client(homeowner.marketplace, homeowner).post(
            "/api/v1/quote-requests/", request_body(pro=user.pro.pk), format="json"
        )
    assert created.status_code == 201
    assert sample("leadmarket_leads_offered_total", kind="new") == offered + 1

    lead_id = user.pro.leads.get().pk
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(user.marketplace, user).post(
            f"/api/v1/pro/leads/{lead_id}/reject/", {"reason": "too far"}, format="json"
        )
    assert response.status_code == 200
    assert sample("leadmarket_lead_answers_total", outcome="rejected") == rejected + 1


def test_a_rolled_back_accept_counts_nothing(make_pro):
    from django.db import transaction

    from leads.services.accept import lead_accept

    user = make_pro()
    lead = LeadFactory(
        marketplace=user.marketplace,
        request=QuoteRequestFactory(marketplace=user.marketplace),
        pro=user.pro,
        fee_amount=0,
    )
    accepted = sample("leadmarket_lead_answers_total", outcome="accepted")

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        lead_accept(lead_id=lead.pk, pro=user.pro, actor=user)
        raise Abort
    assert sample("leadmarket_lead_answers_total", outcome="accepted") == accepted
