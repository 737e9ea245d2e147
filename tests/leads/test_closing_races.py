"""Closing leads never erases a miss and never closes a lead whose fee is being paid."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from billing.models import Charge
from leads.models import LeadEvent
from leads.services import quote_request_cancel
from leads.services.accept import _accept_open, accept_charge_process
from leads.services.lifecycle import leads_staff_withdraw
from tests.factories import LeadFactory, QuoteRequestFactory

OVERDUE = dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_a_cancel_before_the_expiry_job_records_an_overdue_lead_as_expired_not_withdrawn(marketplace, make_pro):
    request = QuoteRequestFactory(marketplace=marketplace)
    late = LeadFactory(marketplace=marketplace, request=request, pro=make_pro().pro, deadline=timezone.now() - OVERDUE)
    in_time = LeadFactory(marketplace=marketplace, request=request, pro=make_pro().pro)
    quote_request_cancel(marketplace=marketplace, homeowner=request.homeowner, request_id=request.pk)
    late.refresh_from_db(), in_time.refresh_from_db()
    assert (late.status, in_time.status) == ("expired", "withdrawn")  # the miss still counts (Rule 6)
    assert LeadEvent.objects.get(lead=late).note == "deadline passed"


@pytest.mark.django_db
def test_a_staff_withdraw_of_an_overdue_lead_records_it_expired(marketplace, make_pro):
    lead = LeadFactory(marketplace=marketplace, pro=make_pro().pro, deadline=timezone.now() - OVERDUE)
    assert leads_staff_withdraw(lead_ids=[lead.pk]) == 1
    lead.refresh_from_db()
    assert lead.status == "expired"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staff_cannot_withdraw_a_lead_while_its_accept_commits_the_charge(marketplace, make_pro):
    """Phase 1 of an accept holds the request and lead; a staff withdraw arriving meanwhile
    must see the committed pending charge and leave the lead to the accept."""
    pro_user = make_pro()
    lead = LeadFactory(marketplace=marketplace, pro=pro_user.pro, fee_amount=2500)
    phase_one_locked = threading.Event()
    withdrawn = []

    def accept_phase_one():
        try:
            with transaction.atomic():
                _accept_open(
                    lead_id=lead.pk, pro_id=pro_user.pro_id, marketplace_id=marketplace.pk, actor=None, payload={}
                )
                phase_one_locked.set()
                time.sleep(0.5)  # staff's withdraw arrives while phase 1 is still open
        finally:
            connection.close()

    def staff_withdraw():
        try:
            phase_one_locked.wait(10)
            withdrawn.append(leads_staff_withdraw(lead_ids=[lead.pk]))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept_phase_one), threading.Thread(target=staff_withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert withdrawn == [0]
    lead.refresh_from_db()
    assert lead.status == "pending"
    charge = Charge.objects.get(lead=lead)
    assert accept_charge_process(charge_id=charge.pk) == "succeeded"  # the accept finishes: paid and revealed
    lead.refresh_from_db()
    assert lead.status == "accepted" and lead.contact_revealed_at is not None
