"""Rule 10: disputes of charged leads, staff decisions, refunds through the provider."""

import datetime as dt

import pytest
from django.utils import timezone

from billing import disputes
from billing.models import Charge, LeadDispute, LedgerEntry, Refund
from marketplace.errors import DomainError
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_lead(api_client, marketplace, pro_user, pending_lead):
    lead = pending_lead(fee=2500)
    assert api_client(marketplace, pro_user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}).status_code == 200
    return lead


def open_dispute(api_client, marketplace, user, lead, reason="fake_contact"):
    return api_client(marketplace, user).post(
        f"/api/v1/pro/leads/{lead.pk}/dispute/", {"reason": reason, "details": "Number is disconnected"}, format="json"
    )


def test_a_pro_disputes_a_charged_lead_within_the_window(api_client, marketplace, pro_user, accepted_lead):
    response = open_dispute(api_client, marketplace, pro_user, accepted_lead)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["reason"], body["fee"]) == (
        "open",
        "fake_contact",
        {"amount": 2500, "currency": "CAD"},
    )
    listed = api_client(marketplace, pro_user).get("/api/v1/pro/billing/disputes/").json()
    assert [d["id"] for d in listed["results"]] == [body["id"]]


def test_a_dispute_outside_the_window_is_409(api_client, marketplace, pro_user, accepted_lead):
    Charge.objects.update(completed_at=timezone.now() - dt.timedelta(days=15))
    response = open_dispute(api_client, marketplace, pro_user, accepted_lead)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "dispute_window_closed"


def test_a_dispute_on_an_uncharged_lead_is_409(api_client, marketplace, pro_user, pending_lead):
    response = open_dispute(api_client, marketplace, pro_user, pending_lead())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lead_not_charged"


def test_a_lead_is_disputed_once(api_client, marketplace, pro_user, accepted_lead):
    assert open_dispute(api_client, marketplace, pro_user, accepted_lead).status_code == 201
    again = open_dispute(api_client, marketplace, pro_user, accepted_lead, reason="duplicate")
    assert again.status_code == 409 and again.json()["error"]["code"] == "dispute_exists"


def test_an_unknown_reason_is_400_and_another_pros_lead_is_404(api_client, marketplace, pro_user, accepted_lead):
    bad = open_dispute(api_client, marketplace, pro_user, accepted_lead, reason="i_changed_my_mind")
    assert bad.status_code == 400 and "reason" in bad.json()["error"]["fields"]
    other = UserFactory(marketplace=marketplace, role="pro")
    assert open_dispute(api_client, marketplace, other, accepted_lead).status_code == 404


def test_approval_refunds_through_stripe_and_writes_the_ledger(
    api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    dispute = disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert dispute.status == "approved"
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == 2500 and refund["payment_intent"] == Charge.objects.get().gateway_reference
    assert LedgerEntry.objects.filter(kind="refund").get().amount == 2500
    refunds = api_client(marketplace, pro_user).get("/api/v1/pro/billing/refunds/").json()["results"]
    assert [(r["amount"], r["status"]) for r in refunds] == [({"amount": 2500, "currency": "CAD"}, "succeeded")]


def test_approval_during_a_provider_outage_refunds_once_when_recovered(
    api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    fake_stripe.fail_next("drop_after_work")
    with pytest.raises(Exception) as raised:
        disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert getattr(raised.value, "code", None) == "payment_provider_unavailable"
    assert Refund.objects.get().status == "pending" and not LedgerEntry.objects.filter(kind="refund").exists()

    Refund.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert disputes.refunds_recover() == {"succeeded": 1}
    assert len(fake_stripe.refunds) == 1
    assert LeadDispute.objects.get().status == "approved"
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_denial_refunds_nothing(api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    disputes.dispute_deny(dispute_id=dispute_id, actor=staff_user, note="Contact verified by phone")
    assert LeadDispute.objects.get().status == "denied"
    assert not fake_stripe.refunds and not Refund.objects.exists()
    with pytest.raises(Exception) as raised:
        disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert getattr(raised.value, "code", None) == "dispute_not_open"


def test_staff_approve_in_the_admin_only_their_marketplaces_disputes(
    client, api_client, marketplace, pro_user, accepted_lead, staff_user, other_marketplace
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    outsider = UserFactory(marketplace=other_marketplace, role="staff")
    client.post("/admin/login/", {"username": outsider.email, "password": PASSWORD})
    client.post("/admin/billing/leaddispute/", {"action": "approve_and_refund", "_selected_action": [dispute_id]})
    assert LeadDispute.objects.get().status == "open"

    client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    # A money action asks first, with the amounts (issue #19), then refunds once confirmed.
    response = client.post(
        "/admin/billing/leaddispute/", {"action": "approve_and_refund", "_selected_action": [dispute_id]}
    )
    assert response.status_code == 200 and b'name="confirmed"' in response.content
    assert LeadDispute.objects.get().status == "open"
    response = client.post(
        "/admin/billing/leaddispute/",
        {"action": "approve_and_refund", "_selected_action": [dispute_id], "confirmed": "yes"},
    )
    assert response.status_code == 302
    assert LeadDispute.objects.get().status == "approved"


def test_the_ledger_reconciles_with_the_providers_records(
    api_client, marketplace, pro_user, pending_lead, fake_stripe, staff_user
):
    client = api_client(marketplace, pro_user)
    leads = [pending_lead(fee=fee) for fee in (2500, 1500, 4000)]
    for lead in leads:
        assert client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}).status_code == 200
    dispute_id = open_dispute(api_client, marketplace, pro_user, leads[1]).json()["id"]
    disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)

    charged = sum(LedgerEntry.objects.filter(kind="charge", currency="CAD").values_list("amount", flat=True))
    refunded = sum(LedgerEntry.objects.filter(kind="refund", currency="CAD").values_list("amount", flat=True))
    assert (charged, refunded) == (fake_stripe.succeeded_total("CAD"), fake_stripe.refunded_total("CAD"))
    assert (charged, refunded) == (8000, 1500)


def test_the_local_gateway_refunds_too_and_never_more_than_was_paid(api_client, marketplace, staff_user):
    from tests.factories import LeadFactory, PaymentProfileFactory

    user = UserFactory(marketplace=marketplace, role="pro")
    PaymentProfileFactory(marketplace=marketplace, pro=user.pro, gateway="local", payment_method_token="pm_card_visa")
    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=1200)
    assert api_client(marketplace, user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}).status_code == 200
    dispute_id = open_dispute(api_client, marketplace, user, lead).json()["id"]
    assert disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user).status == "approved"
    assert Refund.objects.get().gateway_reference.startswith("lr_")

    from billing.gateways import PaymentDeclined, RefundRequest, gateway_get

    with pytest.raises(PaymentDeclined):
        gateway_get("local").refund(
            RefundRequest(
                reference=Charge.objects.get().gateway_reference,
                amount=1,
                currency="CAD",
                idempotency_key="another-refund",
            )
        )


def test_staff_see_a_per_pro_balance_from_the_ledger(
    client, api_client, marketplace, pro_user, accepted_lead, staff_user
):
    client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    page = client.get("/admin/billing/probalance/")
    assert page.status_code == 200
    assert b"C$25.00" in page.content  # major units with the symbol (issue #19), was "2500 CAD"


# --- a refund the provider refuses ----------------------------------------------------------


def refunded_at_stripe(fake_stripe, amount):
    """A refund made outside our flow (e.g. in the Stripe dashboard); no webhook yet."""
    [intent] = fake_stripe.payment_intents.values()
    fake_stripe.refunds["re_dashboard"] = {
        "id": "re_dashboard",
        "object": "refund",
        "amount": amount,
        "currency": intent["currency"],
        "payment_intent": intent["id"],
        "status": "succeeded",
    }


def charge_refunded_webhook(amount_refunded):
    """Stripe's charge.refunded event for the one charge, processed by the worker."""
    from billing.models import ProviderEvent
    from billing.stripe_webhooks import provider_event_process

    obj = {"id": "ch_x", "object": "charge", "payment_intent": Charge.objects.get().gateway_reference}
    obj["amount_refunded"] = amount_refunded
    event = ProviderEvent.objects.create(
        event_id=f"evt_refunded_{amount_refunded}",
        type="charge.refunded",
        payload={"type": "charge.refunded", "data": {"object": obj}},
    )
    provider_event_process(event_id=event.pk)


def test_a_refused_refund_is_shown_to_staff_and_approving_again_refunds_what_is_left_under_a_new_key(
    client, api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    refunded_at_stripe(fake_stripe, 1000)  # so a refund of the whole fee is refused

    with pytest.raises(DomainError) as refused:
        disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert refused.value.code == "refund_refused"
    assert "greater than unrefunded amount" in refused.value.message
    dispute = LeadDispute.objects.get()
    assert dispute.status == "open" and dispute.refund.status == "failed"
    client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    page = client.get(f"/admin/billing/leaddispute/{dispute_id}/change/").content.decode()
    assert "Refund failed: Refund amount is greater than unrefunded amount." in page

    charge_refunded_webhook(1000)  # the dashboard refund reaches our ledger
    dispute = disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert dispute.status == "approved"
    assert (dispute.refund.idempotency_key, dispute.refund.amount) == (f"dispute-{dispute_id}-refund-2", 1500)
    assert fake_stripe.refunded_total("CAD") == 2500  # never more than was paid
    assert sorted(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == [1000, 1500]
    assert sorted(Refund.objects.values_list("status", flat=True)) == ["failed", "succeeded", "succeeded"]


def test_approval_refunds_only_what_is_left_after_refunds_recorded_at_the_provider(
    api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    refunded_at_stripe(fake_stripe, 1000)
    charge_refunded_webhook(1000)
    dispute = disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert dispute.status == "approved"
    assert (dispute.refund.idempotency_key, dispute.refund.amount) == (f"dispute-{dispute_id}-refund", 1500)
    assert fake_stripe.refunded_total("CAD") == 2500


def test_approving_a_dispute_on_a_fee_already_refunded_in_full_refunds_nothing_more(
    api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    refunded_at_stripe(fake_stripe, 2500)
    charge_refunded_webhook(2500)
    requests_before = len(fake_stripe.requests)
    dispute = disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert dispute.status == "approved" and dispute.decided_at is not None
    assert len(fake_stripe.requests) == requests_before  # the provider is not asked
    assert sum(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == 2500


def test_a_refund_stripe_refuses_for_our_own_configuration_stays_pending_and_is_retried_with_its_key(
    api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    fake_stripe.fail_next("401")
    with pytest.raises(DomainError) as raised:
        disputes.dispute_approve(dispute_id=dispute_id, actor=staff_user)
    assert raised.value.code == "payment_provider_unavailable"
    assert Refund.objects.get().status == "pending"

    Refund.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert disputes.refunds_recover() == {"succeeded": 1}
    assert Refund.objects.get().idempotency_key == f"dispute-{dispute_id}-refund"
    assert LeadDispute.objects.get().status == "approved"


def test_the_admin_counts_a_refused_refund_as_not_decided_and_says_why(
    client, api_client, marketplace, pro_user, accepted_lead, fake_stripe, staff_user
):
    dispute_id = open_dispute(api_client, marketplace, pro_user, accepted_lead).json()["id"]
    refunded_at_stripe(fake_stripe, 1000)
    client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    response = client.post(
        "/admin/billing/leaddispute/",
        {"action": "approve_and_refund", "_selected_action": [dispute_id], "confirmed": "yes"},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert f"Dispute #{dispute_id}: The payment provider refused the refund" in shown[0]
    assert shown[-1] == "0 disputes decided."
    listing = client.get("/admin/billing/leaddispute/").content.decode()
    assert "Refund failed" in listing
    assert LeadDispute.objects.get().status == "open"
