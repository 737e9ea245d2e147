"""Crash between the accept phases: the recovery job finishes or voids, never charges twice."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing import services as billing
from billing.models import Charge, LedgerEntry, LocalGatewayPayment
from leads.models import Lead
from leads.services.accept import _accept_open, accept_charges_recover
from leads.services.lifecycle import leads_staff_withdraw
from tests.factories import LeadFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def crash_after_phase_1(user, lead):
    charge, _lead = _accept_open(
        lead_id=lead.pk,
        pro_id=user.pro_id,
        marketplace_id=user.marketplace_id,
        actor=user,
        payload={"message": "Hi", "price": 900},
    )
    Charge.objects.filter(pk=charge.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))
    return charge


def test_a_crash_before_the_gateway_call_is_finished_by_recovery(make_pro):
    user = make_pro()
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)
    crash_after_phase_1(user, lead)
    assert Lead.objects.get(pk=lead.pk).status == "pending"

    assert accept_charges_recover() == {"succeeded": 1}
    lead.refresh_from_db()
    assert lead.status == "accepted" and lead.contact_revealed_at is not None
    assert (lead.quote_message, lead.quote_price_min) == ("Hi", 900)
    assert LocalGatewayPayment.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_a_crash_after_the_gateway_charged_is_completed_without_a_second_charge(make_pro):
    user = make_pro()
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)
    charge = crash_after_phase_1(user, lead)
    billing.charge_gateway_call(charge=charge)  # the provider took the money, then the process died

    assert accept_charges_recover() == {"succeeded": 1}
    assert accept_charges_recover() == {}  # a second run finds nothing left to do
    assert LocalGatewayPayment.objects.count() == 1
    assert Charge.objects.get().status == "succeeded"
    assert LedgerEntry.objects.get().amount == lead.fee_amount
    assert Lead.objects.get(pk=lead.pk).status == "accepted"


def test_recovery_records_a_decline_and_leaves_the_lead_pending(make_pro):
    user = make_pro(card="pm_card_chargeDeclined")
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)
    crash_after_phase_1(user, lead)
    assert accept_charges_recover() == {"failed": 1}
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert not LedgerEntry.objects.exists()


def test_recovery_voids_a_charge_the_provider_never_took_when_the_lead_closed(make_pro):
    user = make_pro()
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)
    charge = crash_after_phase_1(user, lead)
    assert leads_staff_withdraw(lead_ids=[lead.pk]) == 0  # a lead being paid for is left alone
    Lead.objects.filter(pk=lead.pk).update(status="withdrawn")  # forced closed out of band
    assert accept_charges_recover() == {"voided": 1}
    assert Charge.objects.get(pk=charge.pk).status == "voided"
    assert not LocalGatewayPayment.objects.exists()


def test_recovery_keeps_waiting_while_the_provider_is_unavailable(make_pro):
    user = make_pro(card="pm_card_unavailable")
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)
    crash_after_phase_1(user, lead)
    assert accept_charges_recover() == {"retry": 1}
    assert Charge.objects.get().status == "pending"


def test_the_ledger_refuses_updates_and_deletes(make_pro):
    user = make_pro()
    lead = LeadFactory(marketplace=user.marketplace, pro=user.pro, request__marketplace=user.marketplace)
    crash_after_phase_1(user, lead)
    accept_charges_recover()
    entry = LedgerEntry.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get().amount == lead.fee_amount
