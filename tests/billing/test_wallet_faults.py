"""A crash between any two steps of a top-up or a wallet debit loses nothing and credits
nothing twice (the proof suite's crash-injection style: the process dies at a chosen
statement; what was committed stays, the open transaction rolls back, recovery finishes)."""

import contextlib
import datetime as dt

import pytest
from django.db import OperationalError, connection
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
from tests.factories import LeadFactory, PaymentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


class Crash(Exception):
    """The process dies here."""


@contextlib.contextmanager
def crash_before(sql_prefix: str, error: type[Exception] = Crash):
    """Die right before the first statement starting with ``sql_prefix`` (nothing after it runs;
    the transaction it was in never commits)."""
    fired = []

    def wrapper(execute, sql, params, many, context):
        if not fired and sql.lstrip().startswith(sql_prefix):
            fired.append(sql)
            raise error("crash injected before: " + sql[:60])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield fired


@pytest.fixture
def pro(marketplace, settings):
    settings.PAYMENT_GATEWAY = "local"
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    user = UserFactory(marketplace=marketplace, role="pro")
    PaymentProfileFactory(marketplace=marketplace, pro=user.pro, payment_method_token="pm_card_visa")
    return user.pro


def recover():
    TopUp.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    return wallet.top_ups_recover()


def assert_credited_once(pro, amount):
    assert Wallet.objects.get(pro=pro).balance == amount
    assert list(WalletEntry.objects.filter(pro=pro).values_list("kind", "amount")) == [("top_up", amount)]
    assert LocalGatewayPayment.objects.filter(succeeded=True).count() == 1  # charged once


def test_a_crash_before_the_provider_call_is_finished_by_recovery(pro):
    wallet.top_up_open(pro=pro, amount=5000)  # committed; the process dies here
    assert not LocalGatewayPayment.objects.exists()
    assert recover() == {"succeeded": 1}
    assert_credited_once(pro, 5000)


def test_a_crash_after_the_provider_charged_is_credited_once_by_recovery(pro):
    with crash_before('UPDATE "billing_topup"'), pytest.raises(Crash):
        wallet.top_up_create(pro=pro, amount=5000)
    assert LocalGatewayPayment.objects.filter(succeeded=True).count() == 1  # the money is taken
    assert TopUp.objects.get().status == "pending" and not WalletEntry.objects.exists()
    assert recover() == {"succeeded": 1}
    assert recover() == {}
    assert_credited_once(pro, 5000)


@pytest.mark.parametrize(
    "statement",
    ['UPDATE "billing_wallet"', 'INSERT INTO "billing_walletentry"'],
)
def test_a_crash_inside_the_credit_rolls_it_back_whole_and_recovery_credits_once(pro, statement):
    with crash_before(statement) as fired, pytest.raises(Crash):
        wallet.top_up_create(pro=pro, amount=5000)
    assert fired
    top_up = TopUp.objects.get()
    assert top_up.status == "pending"  # the status change rolled back with the credit
    assert Wallet.objects.filter(pro=pro, balance__gt=0).count() == 0 and not WalletEntry.objects.exists()
    assert recover() == {"succeeded": 1}
    assert_credited_once(pro, 5000)


def test_the_request_the_event_and_recovery_all_seeing_success_credit_once(pro):
    top_up = wallet.top_up_create(pro=pro, amount=5000)
    for _ in range(3):
        assert wallet.top_up_succeed(top_up_id=top_up.pk, reference="lp_again") is False
        wallet.top_up_process(top_up_id=top_up.pk)
    assert recover() == {}
    assert_credited_once(pro, 5000)


@pytest.mark.parametrize(
    "statement",
    [
        'INSERT INTO "billing_charge"',
        'INSERT INTO "billing_ledgerentry"',
        'UPDATE "billing_wallet"',
        'INSERT INTO "billing_walletentry"',
        'UPDATE "leads_lead"',
    ],
)
def test_a_crash_anywhere_in_a_prepaid_accept_leaves_nothing_half_written(api_client, marketplace, pro, statement):
    wallet.top_up_create(pro=pro, amount=5000)
    lead = LeadFactory(marketplace=marketplace, pro=pro, fee_amount=2500, kind="new")
    client = api_client(marketplace, pro.members.first())
    with crash_before(statement, OperationalError) as fired:
        response = client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json")
    assert fired and response.status_code == 503
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert not Charge.objects.filter(lead=lead).exists() and not LedgerEntry.objects.filter(lead=lead).exists()
    assert Wallet.objects.get(pro=pro).balance == 5000

    assert client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {}, format="json").status_code == 200
    assert Wallet.objects.get(pro=pro).balance == 2500
    assert Charge.objects.filter(lead=lead).count() == 1
    assert WalletEntry.objects.filter(lead=lead).count() == 1
