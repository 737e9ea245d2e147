import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from leads.models import Lead, LeadEvent, QuoteRequest
from leads.services import leads_expire_due
from tests.factories import LeadFactory, QuoteRequestFactory

pytestmark = pytest.mark.django_db

PAST = dt.timedelta(minutes=5)


def test_a_pending_lead_past_its_deadline_reads_expired_everywhere_before_the_sweep(
    api_client, marketplace, homeowner, make_pro
):
    user = make_pro()
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    lead = LeadFactory(marketplace=marketplace, request=request, pro=user.pro, deadline=timezone.now() - PAST)
    assert Lead.objects.get(pk=lead.pk).status == "pending"  # not swept yet
    pro_view = api_client(marketplace, user).get(f"/api/v1/pro/leads/{lead.pk}/").json()
    homeowner_view = api_client(marketplace, homeowner).get(f"/api/v1/quote-requests/{request.pk}/").json()
    assert pro_view["status"] == "expired"
    assert homeowner_view["leads"][0]["status"] == "expired"
    assert homeowner_view["status"] == "closed"


def test_the_sweep_makes_expiry_durable_in_batches_and_closes_requests_with_nothing_open(marketplace):
    done = QuoteRequestFactory(marketplace=marketplace)
    still_open = QuoteRequestFactory(marketplace=marketplace)
    late = LeadFactory.create_batch(5, marketplace=marketplace, request=done, deadline=timezone.now() - PAST)
    LeadFactory(marketplace=marketplace, request=still_open, deadline=timezone.now() - PAST)
    in_time = LeadFactory(marketplace=marketplace, request=still_open)

    assert leads_expire_due(batch_size=2) == 6
    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in late]).values_list("status", flat=True)) == {"expired"}
    assert Lead.objects.get(pk=in_time.pk).status == "pending"
    assert QuoteRequest.objects.get(pk=done.pk).status == "closed"
    assert QuoteRequest.objects.get(pk=still_open.pk).status == "open"
    assert LeadEvent.objects.filter(to_status="expired").count() == 6
    assert leads_expire_due() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_a_lead_locked_by_an_accept_in_progress(marketplace):
    locked = LeadFactory(marketplace=marketplace, deadline=timezone.now() - PAST)
    free = LeadFactory(marketplace=marketplace, deadline=timezone.now() - PAST)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Lead.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    holding.wait(10)
    try:
        assert leads_expire_due() == 1
    finally:
        release.set()
        thread.join()
    assert Lead.objects.get(pk=free.pk).status == "expired"
    assert Lead.objects.get(pk=locked.pk).status == "pending"
    assert leads_expire_due() == 1
