"""An accept issues the statements it needs, counted exactly (issue #16 item 3), per lead kind
and payment mode, at the service and through the API; its response is what a fresh read says;
and its ranking refresh is a dirty mark the scheduled pass clears, never a task per answer.

Counts leave out SAVEPOINT / RELEASE: in production they are the BEGIN / COMMIT around each
phase (not statements sent as SQL by Django), here the test's own transaction nests them.
"""

import pytest
from celery.signals import before_task_publish
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Charge, LedgerEntry, PaymentMode, PaymentPolicy, Wallet, WalletEntry
from leads.models import Lead, LeadEvent
from leads.services import lead_accept
from marketplace.models import Marketplace, MarketplacePolicy
from pros.models import Pro
from ranking.dirty import dirty_pros_refresh
from ranking.models import DirtyPro
from tests.factories import LeadFactory, QuoteRequestFactory
from tests.ranking.conftest import history

pytestmark = pytest.mark.django_db

# A paid accept by card (``card_per_lead``), a ``new`` or a ``matched`` lead (capacity not
# reached), at the service (``lead_accept``):
#   phase 1 (one transaction)
#     1  lock the request FOR UPDATE, found by the lead's id in a sub-select, category joined
#     2  lock the lead FOR UPDATE, reading its pending charge, its failed attempts and the
#        request's offer counts (offered, accepted, matched taken) in the same statement
#     3  lock the pro FOR UPDATE with its saved card and the marketplace's payment mode
#     4  INSERT the pending charge (committed before the gateway call)
#   phase 2 (the local test gateway records the payment in its own table)
#     5  INSERT billing_localgatewaypayment
#   phase 3 (one transaction)
#     6  lock the request FOR UPDATE (category joined)
#     7  lock the lead FOR UPDATE with the offer counts
#     8  lock the charge FOR UPDATE
#     9  UPDATE the charge: succeeded
#    10  INSERT the ledger entry
#    11  UPDATE the lead: accepted, contact revealed
#    12  INSERT the lead event
#    13  UPDATE the request: closed when no lead is pending in time
#    14  INSERT the pro's dirty mark for the ranking pass (ON CONFLICT DO NOTHING)
#   the response: built from the rows locked above (no statement; the calendar clock)
SERVICE_STATEMENTS_CARD = 14
# Prepaid credits (``prepaid_credits``): one transaction, no gateway.
#     1  lock the request   2  lock the lead (+ counts)   3  lock the pro (+ payment mode)
#     4  lock the wallet FOR UPDATE
#     5  INSERT the charge (succeeded)   6  INSERT the ledger entry
#     7  UPDATE the wallet's balance      8  INSERT the wallet entry
#     9  UPDATE the lead   10  INSERT the lead event   11  UPDATE the request (close if done)
#    12  INSERT the dirty mark
SERVICE_STATEMENTS_PREPAID = 12
# Through the API, warm (every web process after its first request): the marketplace with its
# policy and the JWT's user come from the process cache (README "Marketplaces", "Accounts"),
# so an accept through the API issues exactly the service's statements.
PER_REQUEST_STATEMENTS = 0
API_STATEMENTS_CARD = SERVICE_STATEMENTS_CARD + PER_REQUEST_STATEMENTS
API_STATEMENTS_PREPAID = SERVICE_STATEMENTS_PREPAID + PER_REQUEST_STATEMENTS

KINDS = ["new", "matched"]


def statements(context: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


@pytest.fixture
def pro_user(make_pro):
    return make_pro()


@pytest.fixture
def prepaid(marketplace, pro_user):
    PaymentPolicy.objects.create(marketplace=marketplace, payment_mode=PaymentMode.PREPAID_CREDITS)
    return Wallet.objects.create(marketplace=marketplace, pro=pro_user.pro, currency="CAD", balance=10_000)


def offered_lead(pro_user, kind: str) -> Lead:
    """A 25.00 lead of ``kind``; a matched one shares its request with two other pros' leads."""
    marketplace = pro_user.marketplace
    request = QuoteRequestFactory(marketplace=marketplace)
    lead = LeadFactory(marketplace=marketplace, request=request, pro=pro_user.pro, kind=kind, fee_amount=2500)
    if kind == "matched":
        for _ in range(2):
            LeadFactory(marketplace=marketplace, request=request, kind="matched", fee_amount=2500)
    return lead


def tenant(marketplace) -> Marketplace:
    """The marketplace as the API resolves it: with its policy."""
    return Marketplace.objects.select_related("policy").get(pk=marketplace.pk)


def accept_at_the_service(pro_user, lead) -> tuple[list[str], Lead | None]:
    marketplace = tenant(pro_user.marketplace)
    with CaptureQueriesContext(connection) as context:
        accepted = lead_accept(lead_id=lead.pk, pro_id=pro_user.pro_id, marketplace=marketplace, actor=pro_user)
    return statements(context), accepted


def accept_through_the_api(api_client, pro_user, lead):
    client = api_client(pro_user.marketplace, pro_user)
    assert client.get("/api/v1/me/").status_code == 200  # warm: the tenant and the user are cached
    with CaptureQueriesContext(connection) as context:
        response = client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Hi"}, format="json")
    assert response.status_code == 200, response.content[:300]
    return statements(context), response


@pytest.mark.parametrize("kind", KINDS)
def test_a_card_accept_at_the_service_issues_exactly_the_statements_it_needs(pro_user, kind):
    lead = offered_lead(pro_user, kind)
    issued, accepted = accept_at_the_service(pro_user, lead)
    assert len(issued) == SERVICE_STATEMENTS_CARD, "\n".join(issued)
    assert accepted is not None and accepted.status == "accepted"
    assert Charge.objects.get(lead=lead).status == "succeeded" and LedgerEntry.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_prepaid_accept_at_the_service_issues_exactly_the_statements_it_needs(pro_user, prepaid, kind):
    lead = offered_lead(pro_user, kind)
    issued, accepted = accept_at_the_service(pro_user, lead)
    assert len(issued) == SERVICE_STATEMENTS_PREPAID, "\n".join(issued)
    assert accepted is not None and accepted.status == "accepted"
    prepaid.refresh_from_db()
    assert prepaid.balance == 7_500
    assert WalletEntry.objects.get(wallet=prepaid).balance_after == 7_500


@pytest.mark.parametrize("kind", KINDS)
def test_a_card_accept_through_the_api_issues_exactly_the_statements_it_needs(api_client, pro_user, kind):
    issued, _response = accept_through_the_api(api_client, pro_user, offered_lead(pro_user, kind))
    assert len(issued) == API_STATEMENTS_CARD, "\n".join(issued)


@pytest.mark.parametrize("kind", KINDS)
def test_a_prepaid_accept_through_the_api_issues_exactly_the_statements_it_needs(api_client, pro_user, prepaid, kind):
    issued, _response = accept_through_the_api(api_client, pro_user, offered_lead(pro_user, kind))
    assert len(issued) == API_STATEMENTS_PREPAID, "\n".join(issued)


@pytest.mark.parametrize("kind", KINDS)
def test_the_accept_response_built_from_the_locked_rows_equals_a_fresh_read(api_client, pro_user, kind):
    lead = offered_lead(pro_user, kind)
    if kind == "matched":  # another pro has accepted already: the counts say so
        other = Lead.objects.filter(request=lead.request).exclude(pk=lead.pk).first()
        Lead.objects.filter(pk=other.pk).update(status="accepted")
    _issued, response = accept_through_the_api(api_client, pro_user, lead)
    fresh = api_client(pro_user.marketplace, pro_user).get(f"/api/v1/pro/leads/{lead.pk}/").json()
    assert response.json() == fresh
    assert (fresh["offered_count"], fresh["accepted_count"]) == ((3, 2) if kind == "matched" else (1, 1))
    assert fresh["contact"] is not None and fresh["quote"]["message"] == "Hi"


def test_the_matched_lead_that_reaches_capacity_fills_the_others_and_counts_itself(api_client, pro_user):
    lead = offered_lead(pro_user, "matched")
    Lead.objects.filter(request=lead.request).exclude(pk=lead.pk).update(status="accepted")
    # Two accepted + this one = the capacity of 3: nothing left pending to fill, the request closes.
    _issued, response = accept_through_the_api(api_client, pro_user, lead)
    assert (response.json()["offered_count"], response.json()["accepted_count"]) == (3, 3)
    assert LeadEvent.objects.filter(lead=lead, to_status="accepted").count() == 1


def test_a_matched_accept_over_capacity_is_409_and_writes_nothing(api_client, pro_user):
    lead = offered_lead(pro_user, "matched")
    extra = LeadFactory(marketplace=pro_user.marketplace, request=lead.request, kind="matched")
    Lead.objects.filter(request=lead.request).exclude(pk__in=[lead.pk, extra.pk]).update(status="accepted")
    Charge.objects.create(
        marketplace=pro_user.marketplace,
        pro=extra.pro,
        lead=extra,
        amount=2500,
        currency="CAD",
        idempotency_key=f"lead-{extra.pk}-accept",
        gateway="local",
    )  # an accept in flight counts as taken
    response = api_client(pro_user.marketplace, pro_user).post(f"/api/v1/pro/leads/{lead.pk}/accept/", {})
    assert response.status_code == 409 and response.json()["error"]["code"] == "request_filled"
    assert not Charge.objects.filter(lead=lead).exists()


def test_an_accept_publishes_no_ranking_task_and_marks_the_pro_dirty_until_the_pass(
    api_client, marketplace, pro_user, django_capture_on_commit_callbacks
):
    MarketplacePolicy.objects.filter(marketplace=marketplace).update(response_rate_demotion_enabled=True)
    pro = pro_user.pro
    history(pro, answered=1, missed=4)  # 20%: demoted once the figures are computed
    published: list[str] = []

    def record(sender=None, **_kwargs):
        published.append(str(sender))

    before_task_publish.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            accept_through_the_api(api_client, pro_user, offered_lead(pro_user, "new"))
    finally:
        before_task_publish.disconnect(record)
    assert not [name for name in published if name.startswith("ranking.")], published
    assert list(DirtyPro.objects.values_list("pro_id", flat=True)) == [pro.pk]
    # Before the pass: /pro/stats/ computes from the leads, so it already counts the answer.
    stats = api_client(marketplace, pro_user).get("/api/v1/pro/stats/").json()["response_rate"]
    assert (stats["rate"], stats["responded"], stats["due"]) == ("0.333", 2, 6)

    assert dirty_pros_refresh() == 1
    assert not DirtyPro.objects.exists()
    pro = Pro.objects.get(pk=pro.pk)
    assert str(pro.response_rate) == "0.333" and pro.demoted is True  # 2 answered of 6 due
    assert dirty_pros_refresh() == 0  # nothing left: the next run is a no-op
