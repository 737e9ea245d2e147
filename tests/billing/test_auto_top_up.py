"""Automatic top-ups (#15 item 2): only with the pro's consent, off-session by a worker, never
past the monthly limit, one in flight, and a top-up needing authentication or failing
notifies the pro and pauses instead of looping — while the balance keeps paying for leads."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone

from billing import auto_top_up, wallet
from billing.models import (
    AutoTopUp,
    AutoTopUpChange,
    LocalGatewayPayment,
    PaymentMode,
    PaymentPolicy,
    TopUp,
    Wallet,
    WalletEntry,
)
from leads.models import Notification
from marketplace.celery import app
from tests.billing.test_wallet_faults import Crash, crash_before
from tests.factories import LeadFactory, PaymentProfileFactory, UserFactory
from tests.leads.test_accept_concurrency import run_at_once

pytestmark = pytest.mark.django_db

URL = "/api/v1/pro/wallet/auto-top-up/"


@pytest.fixture
def prepaid(marketplace, settings):
    settings.PAYMENT_GATEWAY = "local"
    return PaymentPolicy.objects.create(
        marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS, top_up_min=1000, top_up_max=100000
    )


@pytest.fixture
def eager_worker():
    """Tasks queued on commit run at once, in the committing thread (the worker's code path)."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def pro_with(marketplace, card="pm_card_visa", balance=0):
    user = UserFactory(marketplace=marketplace, role="pro")
    PaymentProfileFactory(marketplace=marketplace, pro=user.pro, payment_method_token=card)
    if balance:
        bought = wallet.top_up_open(pro=user.pro, amount=balance)
        wallet.top_up_succeed(top_up_id=bought.pk, reference="lp_seed")
    return user


def consent(client, threshold=5000, amount=10000, monthly_limit=30000):
    return client.put(URL, {"threshold": threshold, "amount": amount, "monthly_limit": monthly_limit}, format="json")


def accept(client, lead):
    return client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Can do"}, format="json")


def auto_top_ups(pro):
    return list(TopUp.objects.filter(pro=pro, origin="auto").order_by("pk").values_list("status", "amount"))


def test_a_fee_leaving_the_balance_below_the_threshold_tops_up_off_session_once(
    api_client, marketplace, prepaid, eager_worker, django_capture_on_commit_callbacks
):
    user = pro_with(marketplace, balance=6000)
    client = api_client(marketplace, user)
    assert client.get("/api/v1/pro/wallet/").json()["auto_top_up"] is None
    saved = consent(client, threshold={"amount": 5000, "currency": "CAD"})
    assert saved.status_code == 200, saved.json()
    shown = client.get("/api/v1/pro/wallet/").json()["auto_top_up"]
    assert shown["status"] == "active"
    assert (shown["threshold"], shown["amount"], shown["monthly_limit"], shown["used_this_month"]) == (
        {"amount": 5000, "currency": "CAD"},
        {"amount": 10000, "currency": "CAD"},
        {"amount": 30000, "currency": "CAD"},
        {"amount": 0, "currency": "CAD"},
    )

    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new")
    with django_capture_on_commit_callbacks(execute=True):
        assert accept(client, lead).status_code == 200  # 3500 left: below 5000

    assert auto_top_ups(user.pro) == [("succeeded", 10000)]
    payment = LocalGatewayPayment.objects.get(idempotency_key=TopUp.objects.get(origin="auto").idempotency_key)
    assert payment.succeeded and payment.amount == 10000
    assert Wallet.objects.get(pro=user.pro).balance == 13500
    kinds = list(WalletEntry.objects.filter(pro=user.pro).order_by("pk").values_list("kind", "amount"))
    assert kinds == [("top_up", 6000), ("lead_debit", -2500), ("top_up", 10000)]
    assert client.get("/api/v1/pro/wallet/").json()["auto_top_up"]["used_this_month"]["amount"] == 10000
    # The worker asked again (a redelivery): the balance is above the threshold now.
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "above_threshold"
    assert len(auto_top_ups(user.pro)) == 1


def test_a_top_up_needing_authentication_notifies_the_pro_once_and_accepts_still_use_the_balance(
    api_client, client, marketplace, prepaid, eager_worker, django_capture_on_commit_callbacks
):
    user = pro_with(marketplace, card="pm_card_authenticationRequired", balance=6000)
    pro_client = api_client(marketplace, user)
    assert consent(pro_client).status_code == 200
    first, second, third = (
        LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new") for _ in "123"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert accept(pro_client, first).status_code == 200

    assert auto_top_ups(user.pro) == [("requires_action", 10000)]
    shown = pro_client.get("/api/v1/pro/wallet/").json()["auto_top_up"]
    top_up_id = TopUp.objects.get(origin="auto").pk
    assert shown["status"] == "needs_attention" and shown["attention_top_up"] == top_up_id
    notice = Notification.objects.get(pro=user.pro, kind="wallet.auto_top_up_attention")
    assert "confirm" in notice.subject and notice.payload["top_up"] == top_up_id

    # The balance still covers the next lead: the accept succeeds, and no top-up is retried.
    with django_capture_on_commit_callbacks(execute=True):
        assert accept(pro_client, second).status_code == 200
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "no_consent"
    assert len(auto_top_ups(user.pro)) == 1
    assert Notification.objects.filter(kind="wallet.auto_top_up_attention").count() == 1
    assert Wallet.objects.get(pro=user.pro).balance == 1000
    refused = accept(pro_client, third)
    assert (refused.status_code, refused.json()["error"]["code"]) == (402, "insufficient_credit")

    # The pro authenticates the waiting top-up in the app: credited once.
    secret = pro_client.get(f"/api/v1/pro/wallet/top-ups/{top_up_id}/").json()["client_secret"]
    confirmed = client.post(
        "/api/v1/billing/test-mode/payment-intents/confirm/", {"client_secret": secret}, content_type="application/json"
    )
    assert confirmed.status_code == 200, confirmed.json()
    wallet.top_ups_recover(older_than=dt.timedelta(0))
    wallet.top_ups_recover(older_than=dt.timedelta(0))
    assert auto_top_ups(user.pro) == [("succeeded", 10000)]
    assert Wallet.objects.get(pro=user.pro).balance == 11000
    # Saving the consent again resumes automatic top-ups.
    assert consent(pro_client).json()["status"] == "active"


def test_a_declined_automatic_top_up_pauses_and_notifies(api_client, marketplace, prepaid):
    user = pro_with(marketplace, card="pm_card_chargeDeclined")
    assert consent(api_client(marketplace, user)).status_code == 200
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "failed"
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "no_consent"
    assert auto_top_ups(user.pro) == [("failed", 10000)]
    assert AutoTopUp.objects.get(pro=user.pro).status == "needs_attention"
    notice = Notification.objects.get(pro=user.pro, kind="wallet.auto_top_up_attention")
    assert "failed" in notice.subject
    assert (
        auto_top_up.auto_top_ups_this_month(pro_id=user.pro.pk, time_zone="America/Toronto", now=timezone.now()) == 0
    )  # a failed top-up costs nothing against the limit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_debits_top_up_exactly_as_often_as_the_monthly_limit_allows(api_client, marketplace, prepaid):
    user = pro_with(marketplace, balance=8000)
    client = api_client(marketplace, user)
    # Every top-up leaves the balance below the threshold, so only the limit stops them: 3 x 10000.
    assert consent(client, threshold=100000, amount=10000, monthly_limit=35000).status_code == 200
    leads = [LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=1000, kind="new") for _ in range(8)]

    def debit_then_run(lead):
        status = accept(api_client(marketplace, user), lead).status_code
        outcomes = []
        while True:  # the worker this debit queued, redelivered until it has nothing to do
            outcome = auto_top_up.auto_top_up_run(pro_id=user.pro.pk)
            outcomes.append(outcome)
            if outcome == "in_flight":
                time.sleep(0.01)
            elif outcome != "succeeded":
                return status, outcomes

    def debit_then_run_worker(lead):
        def call():
            try:
                return debit_then_run(lead)
            except Exception as exc:  # shown by the assertion below, not lost in the thread
                return repr(exc), []

        return call

    results = run_at_once([debit_then_run_worker(lead) for lead in leads])
    assert [result and result[0] for result in results] == [200] * 8, results
    assert auto_top_ups(user.pro) == [("succeeded", 10000)] * 3
    assert all(outcomes[-1] == "monthly_limit" for _, outcomes in results)
    assert LocalGatewayPayment.objects.filter(idempotency_key__startswith="auto-topup-").count() == 3
    assert Wallet.objects.get(pro=user.pro).balance == 8000 - 8 * 1000 + 30000


def test_next_month_the_limit_starts_again_in_the_marketplaces_time_zone(marketplace):
    # 04:30 UTC on 1 December is still 30 November in Toronto.
    now = dt.datetime(2026, 12, 1, 4, 30, tzinfo=dt.UTC)
    start = auto_top_up.month_start(now=now, time_zone="America/Toronto")
    assert start.isoformat() == "2026-11-01T00:00:00-04:00"
    later = dt.datetime(2026, 12, 1, 5, 30, tzinfo=dt.UTC)
    assert auto_top_up.month_start(now=later, time_zone="America/Toronto").isoformat() == "2026-12-01T00:00:00-05:00"


def test_a_withdrawn_consent_tops_up_nothing_and_every_change_is_audited(
    api_client, marketplace, prepaid, eager_worker, django_capture_on_commit_callbacks
):
    user = pro_with(marketplace, balance=6000)
    client = api_client(marketplace, user)
    assert consent(client).status_code == 200
    changed = client.patch(URL, {"amount": 20000}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["amount"]["amount"], changed.json()["threshold"]["amount"]) == (20000, 5000)
    assert client.delete(URL).status_code == 204
    assert client.delete(URL).status_code == 204  # nothing left to withdraw
    assert client.get("/api/v1/pro/wallet/").json()["auto_top_up"] is None

    lead = LeadFactory(marketplace=marketplace, pro=user.pro, fee_amount=2500, kind="new")
    with django_capture_on_commit_callbacks(execute=True):
        assert accept(client, lead).status_code == 200
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "no_consent"
    assert auto_top_ups(user.pro) == []
    audit = list(
        AutoTopUpChange.objects.filter(pro=user.pro)
        .order_by("pk")
        .values_list("action", "actor_id", "threshold", "amount", "monthly_limit")
    )
    assert audit == [
        ("given", user.pk, 5000, 10000, 30000),
        ("changed", user.pk, 5000, 20000, 30000),
        ("withdrawn", user.pk, 5000, 20000, 30000),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"threshold": 5000, "amount": 999, "monthly_limit": 30000}, "amount"),
        ({"threshold": 5000, "amount": 100001, "monthly_limit": 200000}, "amount"),
        ({"threshold": 0, "amount": 10000, "monthly_limit": 30000}, "threshold"),
        ({"threshold": 5000, "amount": 10000, "monthly_limit": 9999}, "monthly_limit"),
        ({"threshold": 5000, "amount": 10000, "monthly_limit": 10**13}, "monthly_limit"),
    ],
)
def test_amounts_out_of_bounds_are_refused(api_client, marketplace, prepaid, body, field):
    client = api_client(marketplace, pro_with(marketplace))
    refused = client.put(URL, body, format="json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "auto_top_up_out_of_range" and list(error["fields"]) == [field]
    assert not AutoTopUp.objects.exists()


def test_bad_input_is_a_400_and_the_wrong_mode_or_no_card_is_refused(api_client, marketplace, prepaid, settings):
    client = api_client(marketplace, pro_with(marketplace))
    for body in (
        {"threshold": 5000, "amount": 10000},
        {"threshold": "lots", "amount": 10000, "monthly_limit": 30000},
        {"threshold": {"amount": 5000, "currency": "TWD"}, "amount": 10000, "monthly_limit": 30000},
    ):
        refused = client.put(URL, body, format="json")
        assert (refused.status_code, refused.json().get("error", {}).get("code")) == (400, "invalid"), (
            body,
            refused.json(),
        )
    no_card = api_client(marketplace, UserFactory(marketplace=marketplace, role="pro"))
    refused = consent(no_card)
    assert (refused.status_code, refused.json()["error"]["code"]) == (402, "payment_method_required")
    prepaid.payment_mode = PaymentMode.CARD_PER_LEAD
    prepaid.save()
    refused = consent(client)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "prepaid_credits_not_enabled")
    assert (
        api_client(marketplace, UserFactory(marketplace=marketplace, role="homeowner")).put(URL, {}).status_code == 403
    )


# --- a crash between the worker's steps (the proof suite's crash-injection style) ----------
def recover():
    TopUp.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    return wallet.top_ups_recover()


def test_a_crash_after_committing_the_top_up_is_finished_by_recovery_once(api_client, marketplace, prepaid):
    user = pro_with(marketplace)
    assert consent(api_client(marketplace, user)).status_code == 200
    opened = auto_top_up.auto_top_up_open(pro_id=user.pro.pk)  # committed; the worker dies here
    assert isinstance(opened, TopUp) and opened.status == "pending"
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "in_flight"  # a redelivery starts no other
    assert recover() == {"succeeded": 1}
    assert recover() == {}
    assert auto_top_ups(user.pro) == [("succeeded", 10000)]
    assert LocalGatewayPayment.objects.filter(succeeded=True).count() == 1
    assert Wallet.objects.get(pro=user.pro).balance == 10000


def test_a_crash_after_the_provider_charged_credits_once_by_recovery(api_client, marketplace, prepaid):
    user = pro_with(marketplace)
    assert consent(api_client(marketplace, user)).status_code == 200
    with crash_before('UPDATE "billing_wallet"'), pytest.raises(Crash):
        auto_top_up.auto_top_up_run(pro_id=user.pro.pk)
    assert auto_top_ups(user.pro) == [("pending", 10000)]  # the credit rolled back whole
    assert not WalletEntry.objects.filter(pro=user.pro).exists()
    assert auto_top_up.auto_top_up_run(pro_id=user.pro.pk) == "in_flight"
    assert recover()["succeeded"] == 1
    assert auto_top_ups(user.pro) == [("succeeded", 10000)]
    assert LocalGatewayPayment.objects.count() == 1  # charged once, under the top-up's key
    assert list(WalletEntry.objects.filter(pro=user.pro).values_list("kind", "amount")) == [("top_up", 10000)]
    assert connection.in_atomic_block  # the test's own transaction, nothing else left open


def test_a_crash_while_recording_that_authentication_is_needed_pauses_and_notifies_once(
    api_client, marketplace, prepaid
):
    user = pro_with(marketplace, card="pm_card_authenticationRequired")
    assert consent(api_client(marketplace, user)).status_code == 200
    with crash_before('INSERT INTO "billing_autotopupchange"'), pytest.raises(Crash):
        auto_top_up.auto_top_up_run(pro_id=user.pro.pk)
    # The outcome, the pause and the notice roll back together; the top-up is still in flight.
    assert auto_top_ups(user.pro) == [("pending", 10000)]
    assert AutoTopUp.objects.get(pro=user.pro).status == "active"
    assert not Notification.objects.filter(kind="wallet.auto_top_up_attention").exists()
    assert recover() == {"requires_action": 1}
    assert recover() == {"requires_action": 1}  # asked again: the same payment, nothing new
    assert auto_top_ups(user.pro) == [("requires_action", 10000)]
    assert AutoTopUp.objects.get(pro=user.pro).status == "needs_attention"
    assert Notification.objects.filter(kind="wallet.auto_top_up_attention").count() == 1
    assert LocalGatewayPayment.objects.count() == 1
