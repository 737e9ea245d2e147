"""Prepaid credits (#15): top-ups credited once, accepts debiting the wallet in their own
transaction, 402 insufficient_credit, and a balance PostgreSQL never lets go negative."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from billing import wallet
from billing.models import (
    Charge,
    LedgerEntry,
    LocalGatewayPayment,
    PaymentMode,
    PaymentPolicy,
    TopUp,
    Wallet,
    WalletEntry,
)
from leads.models import Lead
from tests.billing.payments.conftest import process_provider_events
from tests.factories import LeadFactory, PaymentProfileFactory, UserFactory
from tests.leads.test_accept_concurrency import run_at_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def prepaid(marketplace, settings):
    settings.PAYMENT_GATEWAY = "local"
    return PaymentPolicy.objects.create(
        marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS, top_up_min=1000, top_up_max=100000
    )


@pytest.fixture
def pro_with_card(marketplace):
    def make(card="pm_card_visa"):
        user = UserFactory(marketplace=marketplace, role="pro")
        PaymentProfileFactory(marketplace=marketplace, pro=user.pro, payment_method_token=card)
        return user

    return make


def top_up(client, amount, **headers):
    return client.post("/api/v1/pro/wallet/top-ups/", {"amount": amount}, format="json", **headers)


def accept(client, lead):
    return client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Can do"}, format="json")


def balance(client):
    return client.get("/api/v1/pro/wallet/").json()["balance"]


def assert_wallet_is_the_sum_of_its_entries(pro):
    entries = list(WalletEntry.objects.filter(pro=pro).order_by("pk").values_list("amount", "balance_after"))
    running = 0
    for amount, after in entries:
        running += amount
        assert after == running >= 0
    assert Wallet.objects.get(pro=pro).balance == running


def test_a_pro_tops_up_and_accepts_until_the_credit_runs_out(api_client, marketplace, prepaid, pro_with_card):
    user = pro_with_card()
    client = api_client(marketplace, user)
    assert balance(client) == {"amount": 0, "currency": "CAD"}

    bought = top_up(client, 6000)
    assert bought.status_code == 201, bought.json()
    assert bought.json()["status"] == "succeeded" and bought.json()["client_secret"] is None
    assert bought.json()["amount"] == {"amount": 6000, "currency": "CAD"}
    assert balance(client) == {"amount": 6000, "currency": "CAD"}

    leads = [LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new") for _ in range(3)]
    payments_before = LocalGatewayPayment.objects.count()
    assert accept(client, leads[0]).status_code == 200
    assert accept(client, leads[1]).status_code == 200
    refused = accept(client, leads[2])
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert error["code"] == "insufficient_credit"
    assert error["balance"] == {"amount": 1000, "currency": "CAD"}
    assert error["amount_needed"] == {"amount": 2500, "currency": "CAD"}

    assert Lead.objects.get(pk=leads[2].pk).status == "pending"
    assert LocalGatewayPayment.objects.count() == payments_before  # no provider call on the accept path
    assert (
        list(Charge.objects.filter(pro=user.pro).values_list("gateway", "status", "amount"))
        == [("wallet", "succeeded", 2500)] * 2
    )
    assert LedgerEntry.objects.filter(pro=user.pro, kind="charge").count() == 2
    kinds = [e["kind"] for e in client.get("/api/v1/pro/wallet/entries/").json()["results"]]
    assert kinds == ["lead_debit", "lead_debit", "top_up"]
    assert_wallet_is_the_sum_of_its_entries(user.pro)
    rows = [line.split(",") for line in client.get("/api/v1/pro/billing/statement.csv").content.decode().splitlines()]
    assert [(row[2], row[8]) for row in rows[1:]] == [("top_up", "60.00"), ("charge", "-25.00"), ("charge", "-25.00")]


def test_a_top_up_needing_authentication_is_credited_once_after_confirmation(
    api_client, client, marketplace, prepaid, pro_with_card
):
    user = pro_with_card("pm_card_authenticationRequired")
    pro_client = api_client(marketplace, user)
    started = top_up(pro_client, 5000)
    assert started.status_code == 201
    body = started.json()
    assert body["status"] == "requires_action" and body["client_secret"]
    summary = pro_client.get("/api/v1/pro/wallet/").json()
    assert summary["balance"]["amount"] == 0 and [t["id"] for t in summary["pending_top_ups"]] == [body["id"]]

    confirmed = client.post(
        "/api/v1/billing/test-mode/payment-intents/confirm/",
        {"client_secret": body["client_secret"]},
        content_type="application/json",
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "succeeded"
    assert process_provider_events() == ["top-up settlement queued"]
    # The event's settlement runs on commit; run the other paths too: all see it succeeded.
    wallet.top_up_process(top_up_id=body["id"])
    TopUp.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    wallet.top_ups_recover()
    assert pro_client.get(f"/api/v1/pro/wallet/top-ups/{body['id']}/").json()["status"] == "succeeded"
    assert balance(pro_client)["amount"] == 5000
    assert WalletEntry.objects.filter(kind="top_up").count() == 1
    assert_wallet_is_the_sum_of_its_entries(user.pro)


def test_a_declined_top_up_fails_cleanly_and_can_be_retried(api_client, marketplace, prepaid, pro_with_card):
    user = pro_with_card("pm_card_chargeDeclined")
    client = api_client(marketplace, user)
    failed = top_up(client, 5000)
    assert failed.status_code == 201
    assert (failed.json()["status"], failed.json()["failure_code"]) == ("failed", "card_declined")
    assert balance(client)["amount"] == 0
    saved = client.put("/api/v1/pro/billing/payment-method/", {"token": "pm_card_visa"}, format="json")
    assert saved.status_code == 200
    assert top_up(client, 5000).json()["status"] == "succeeded"
    assert balance(client)["amount"] == 5000


def test_a_retried_top_up_with_one_idempotency_key_charges_and_credits_once(
    api_client, marketplace, prepaid, pro_with_card
):
    client = api_client(marketplace, pro_with_card())
    first = top_up(client, 5000, HTTP_IDEMPOTENCY_KEY="buy-once")
    again = top_up(client, 5000, HTTP_IDEMPOTENCY_KEY="buy-once")
    assert first.json()["id"] == again.json()["id"]
    assert LocalGatewayPayment.objects.count() == 1
    assert balance(client)["amount"] == 5000


@pytest.mark.parametrize(
    ("amount", "status", "code"), [(999, 400, "top_up_out_of_range"), (100001, 400, "top_up_out_of_range")]
)
def test_a_top_up_outside_the_bounds_is_refused(api_client, marketplace, prepaid, pro_with_card, amount, status, code):
    response = top_up(api_client(marketplace, pro_with_card()), amount)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert not TopUp.objects.exists()


def test_top_ups_need_prepaid_mode_and_a_card(api_client, marketplace, settings, pro_with_card):
    settings.PAYMENT_GATEWAY = "local"
    response = top_up(api_client(marketplace, pro_with_card()), 5000)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "prepaid_credits_not_enabled")
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    no_card = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    response = top_up(no_card, 5000)
    assert (response.status_code, response.json()["error"]["code"]) == (402, "payment_method_required")


def test_an_approved_dispute_of_a_prepaid_lead_gives_the_fee_back_to_the_wallet(
    api_client, marketplace, prepaid, pro_with_card, staff_user
):
    from billing import disputes

    user = pro_with_card()
    client = api_client(marketplace, user)
    top_up(client, 5000)
    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new")
    assert accept(client, lead).status_code == 200
    opened = client.post(f"/api/v1/pro/leads/{lead.pk}/dispute/", {"reason": "fake_contact"}, format="json")
    assert opened.status_code == 201
    assert disputes.dispute_approve(dispute_id=opened.json()["id"], actor=staff_user).status == "approved"
    assert balance(client)["amount"] == 5000
    assert_wallet_is_the_sum_of_its_entries(user.pro)


@pytest.mark.postgres
def test_postgres_refuses_a_negative_balance_and_rewriting_an_entry(marketplace, prepaid, pro_with_card):
    user = pro_with_card()
    with transaction.atomic():
        locked = wallet.wallet_locked(pro=user.pro, currency="CAD")
        wallet._post(locked, kind="top_up", amount=1000, key="k-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pro=user.pro).update(balance=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        locked = wallet.wallet_locked(pro=user.pro, currency="CAD")
        wallet._post(locked, kind="lead_debit", amount=-1001, key="k-2")
    with pytest.raises(DatabaseError), transaction.atomic():
        WalletEntry.objects.filter(idempotency_key="k-1").update(amount=5)
    assert Wallet.objects.get(pro=user.pro).balance == 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_accepts_with_credit_for_only_some_succeed_exactly_that_many(
    api_client, marketplace, prepaid, pro_with_card
):
    user = pro_with_card()
    with transaction.atomic():
        wallet._post(wallet.wallet_locked(pro=user.pro, currency="CAD"), kind="top_up", amount=7500, key="seed")
    leads = [
        LeadFactory(
            marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new", request__marketplace=marketplace
        )
        for _ in range(8)
    ]

    def accept_call(lead):
        def call():
            response = accept(api_client(marketplace, user), lead)
            return response.status_code, response.json()

        return call

    results = run_at_once([accept_call(lead) for lead in leads])

    codes = sorted(code for code, _ in results)
    assert codes == [200] * 3 + [402] * 5, results
    assert all(body["error"]["code"] == "insufficient_credit" for code, body in results if code == 402)
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], status="accepted").count() == 3
    assert Wallet.objects.get(pro=user.pro).balance == 0
    assert Charge.objects.filter(gateway="wallet").count() == 3
    assert_wallet_is_the_sum_of_its_entries(user.pro)
