import datetime as dt

import pytest
from django.utils import timezone

from leads.models import Lead
from marketplace.models import MarketplacePolicy
from tests.factories import LeadFactory, ProFactory


@pytest.fixture
def demotion_on(marketplace):
    """The maple marketplace with response-rate demotion switched on (defaults otherwise)."""
    MarketplacePolicy.objects.filter(marketplace=marketplace).update(response_rate_demotion_enabled=True)
    marketplace.refresh_from_db()
    return marketplace


def make_lead(
    pro,
    *,
    status="pending",
    kind="new",
    received_ago=dt.timedelta(days=1),
    answered_after=None,
    deadline_after=dt.timedelta(hours=72),
    now=None,
):
    """A lead to ``pro`` received ``received_ago`` before now, answered ``answered_after`` later."""
    now = now or timezone.now()
    received = now - received_ago
    lead = LeadFactory(
        marketplace=pro.marketplace,
        pro=pro,
        kind=kind,
        status=status,
        deadline=None if kind == "promotion" else received + deadline_after,
    )
    responded_at = received + answered_after if answered_after is not None else None
    if responded_at is None and status in ("accepted", "rejected"):
        responded_at = received + dt.timedelta(hours=1)
    Lead.objects.filter(pk=lead.pk).update(created_at=received, responded_at=responded_at)
    lead.refresh_from_db()
    return lead


def history(pro, *, answered=0, missed=0, pending_in_time=0, **kwargs):
    """``answered`` accepted leads, ``missed`` expired ones and ``pending_in_time`` still open."""
    for _ in range(answered):
        make_lead(pro, status="accepted", **kwargs)
    for _ in range(missed):
        make_lead(pro, status="expired", received_ago=dt.timedelta(days=5), **kwargs)
    for _ in range(pending_in_time):
        make_lead(pro, status="pending", received_ago=dt.timedelta(hours=1), **kwargs)


@pytest.fixture
def pro_with_history(demotion_on):
    def build(**kwargs):
        pro = ProFactory(marketplace=demotion_on)
        history(pro, **kwargs)
        return pro

    return build
