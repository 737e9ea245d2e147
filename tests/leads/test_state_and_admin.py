import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from leads.models import Lead, LeadStatus
from leads.state import TRANSITIONS, effective_status, transition_check
from marketplace.api.errors import status_for
from marketplace.errors import DomainError
from tests.factories import LeadFactory, UserFactory

STATUSES = st.sampled_from(LeadStatus.values)


# Only open leads move: pending ones anywhere but back to pending or to lapsed; interest (pay on
# mutual interest) to a connection, a lapse, or closed with its request.
LEGAL_MOVES = {
    LeadStatus.PENDING: set(LeadStatus.values) - {LeadStatus.PENDING, LeadStatus.LAPSED},
    LeadStatus.INTERESTED: {LeadStatus.ACCEPTED, LeadStatus.LAPSED, LeadStatus.FILLED, LeadStatus.WITHDRAWN},
}


@given(from_status=STATUSES, to_status=STATUSES)
def test_only_open_leads_move_and_only_to_the_listed_statuses(from_status, to_status):
    lead = Lead(
        status=from_status,
        deadline=timezone.now() + timezone.timedelta(hours=1),
        interest_expires_at=timezone.now() + timezone.timedelta(hours=1),
    )
    legal = to_status in LEGAL_MOVES.get(from_status, set())
    assert (to_status in TRANSITIONS[from_status]) is legal
    if legal:
        transition_check(lead, to_status)
    else:
        with pytest.raises(DomainError) as error:
            transition_check(lead, to_status)
        assert status_for(error.value) == 409 and error.value.code == "lead_not_pending"


@given(offset=st.integers(min_value=-10_000, max_value=10_000))
def test_a_pending_lead_is_expired_exactly_from_its_deadline_on(offset):
    now = timezone.now()
    lead = Lead(status=LeadStatus.PENDING, deadline=now + timezone.timedelta(seconds=offset))
    assert effective_status(lead, now) == (LeadStatus.EXPIRED if offset <= 0 else LeadStatus.PENDING)
    if offset <= 0:
        with pytest.raises(DomainError) as error:
            transition_check(lead, LeadStatus.ACCEPTED, now=now)
        assert error.value.code == "lead_expired"


@pytest.mark.django_db
def test_staff_can_expire_and_withdraw_leads_from_the_admin(client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff")
    client.force_login(staff)
    first, second = LeadFactory(marketplace=marketplace), LeadFactory(marketplace=marketplace)
    foreign = LeadFactory()
    page = client.get(f"/admin/leads/lead/{first.pk}/change/")
    assert page.status_code == 200
    assert client.get(f"/admin/leads/lead/{foreign.pk}/change/").status_code in (302, 404)
    client.post("/admin/leads/lead/", {"action": "expire_now", "_selected_action": [first.pk]})
    client.post("/admin/leads/lead/", {"action": "withdraw", "_selected_action": [second.pk]})
    assert Lead.objects.get(pk=first.pk).status == "expired"
    assert Lead.objects.get(pk=second.pk).status == "withdrawn"
    assert Lead.objects.get(pk=first.pk).events.filter(to_status="expired").exists()
    assert client.get("/admin/leads/quoterequest/").status_code == 200
    assert client.get("/admin/billing/charge/").status_code == 200


@pytest.mark.django_db
def test_staff_cannot_edit_a_requests_status_in_the_admin(client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff")
    client.force_login(staff)
    request = LeadFactory(marketplace=marketplace).request
    page = client.get(f"/admin/leads/quoterequest/{request.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content and b'name="postal_code"' not in page.content
