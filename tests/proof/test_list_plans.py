"""Every list endpoint reads a page of a big table at a small, fixed number of statements, and
no statement of it scans a big table sequentially.

One marketplace holds 10,000+ rows in each big table (leads, quote requests, pros with their
services and areas, charges, notifications, wallet entries, top-ups, reviews, devices), seeded
set-based (``INSERT … SELECT … generate_series``) once for the module inside a transaction
that is rolled back at the end; ``ANALYZE`` gives the planner the statistics it would have in
production. The subjects own a realistic share: the pro ~1,000 leads among 12,000, the
homeowner 1,000 requests among 11,000. Each request's statements are captured and each
SELECT is explained (``EXPLAIN (FORMAT JSON)``): a ``Seq Scan`` node on a big table fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Charge, TopUp, Wallet, WalletEntry
from leads.models import Lead, Notification, QuoteRequest
from pros.models import Pro, ProArea, Review, Service
from push.models import Device
from tests.conftest import MarketplaceClient
from tests.factories import (
    CategoryFactory,
    DeviceFactory,
    LeadFactory,
    MarketplaceFactory,
    ProAreaFactory,
    QuoteRequestFactory,
    ServiceFactory,
    TopUpFactory,
    UserFactory,
)
from tests.factories.billing import ChargeFactory
from tests.factories.pros import ReviewFactory

pytestmark = pytest.mark.postgres

SUBJECT_ROWS = 1_000  # the pro's (or homeowner's) own rows
OTHER_ROWS = 10_000  # everyone else's, in the same tables
PROS = int(os.environ.get("LIST_PLANS_PROS", "12000"))  # listed pros (the measurement script seeds 20,000)
BIG_TABLES = {
    model._meta.db_table
    for model in (Lead, QuoteRequest, Notification, Pro, Service, ProArea, Review, Charge, WalletEntry, TopUp, Device)
}


def _clone(model, template_pk: int, source: str, overrides: dict[str, str], params: tuple = ()) -> None:
    """Insert one copy of the template row per row of ``source`` (an SQL FROM item aliased
    ``s`` with a 1-based ``g``), every column copied unless ``overrides`` gives its SQL."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    if "created_at" in columns:
        overrides = {"created_at": "t.created_at - s.g * interval '7 minutes'", **overrides}
    values = [overrides.get(column, f't."{column}"') for column in columns]
    quoted = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {", ".join(values)} '  # noqa: S608 - test code, no input
            f'FROM "{table}" t, {source} WHERE t.id = %s',
            [*params, template_pk],
        )


def _series(n: int) -> str:
    return f"generate_series(1, {int(n)}) AS s(g)"


def _numbered(table: str, after: int, where: str = "") -> str:
    return f'SELECT id, row_number() OVER (ORDER BY id) AS g FROM "{table}" WHERE id > {int(after)} {where}'


def _rows_after(model, pk: int, where: str = "") -> str:
    """The rows of ``model`` inserted after ``pk`` (a seeded batch), numbered ``g`` from 1."""
    return f"({_numbered(model._meta.db_table, pk, where)}) AS s"


class World:
    pass


def _seed() -> World:
    w = World()
    w.marketplace = MarketplaceFactory(slug="maple", currency="CAD", postal_scheme="ca_fsa")
    m = w.marketplace
    w.category = CategoryFactory(marketplace=m, slug="plumbing")
    w.homeowner = UserFactory(marketplace=m, role="homeowner")
    others_homeowner = UserFactory(marketplace=m, role="homeowner")
    w.pro_user = UserFactory(marketplace=m, role="pro")
    others_user = UserFactory(marketplace=m, role="pro")
    w.staff = UserFactory(marketplace=m, role="staff")
    pro, other = w.pro_user.pro, others_user.pro
    ProAreaFactory(marketplace=m, pro=pro, area="M5V")
    service = ServiceFactory(marketplace=m, pro=pro, category=w.category)

    # The set-based copies below skip the foreign-key and append-only triggers (their rows
    # point at rows seeded here); the factories' rows above were checked as usual.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET session_replication_role = replica")
    # Quote requests: the homeowner's 1,000 among 11,000.
    request = QuoteRequestFactory(marketplace=m, homeowner=others_homeowner, category=w.category)
    _clone(
        QuoteRequest,
        request.pk,
        _series(SUBJECT_ROWS + OTHER_ROWS),
        {"homeowner_id": "CASE WHEN s.g <= %s THEN %s ELSE t.homeowner_id END"},
        (SUBJECT_ROWS, w.homeowner.pk),
    )
    # Leads: the pro's 1,000 (on the first 1,000 requests), the other pro's on every request,
    # so the pro's leads show offered 2 and, for some, accepted 1.
    lead = LeadFactory(marketplace=m, request=request, pro=other)
    statuses = "(ARRAY['pending','accepted','rejected','expired'])[1 + s.g %% 4]"
    _clone(Lead, lead.pk, _rows_after(QuoteRequest, request.pk), {"request_id": "s.id", "status": statuses})
    _clone(
        Lead,
        lead.pk,
        _rows_after(QuoteRequest, request.pk, f"AND id <= {request.pk + SUBJECT_ROWS}"),
        {
            "request_id": "s.id",
            "pro_id": "%s",
            "status": statuses,
            "deadline": "now() + (s.g - 500) * interval '1 hour'",
        },
        (pro.pk,),
    )
    # Notifications, charges (one per lead) for both pros.
    notification = Notification.objects.create(marketplace=m, pro=other, kind="lead_offered", subject="x")
    _clone(
        Notification,
        notification.pk,
        _series(SUBJECT_ROWS + OTHER_ROWS),
        {"pro_id": "CASE WHEN s.g <= %s THEN %s ELSE t.pro_id END"},
        (SUBJECT_ROWS, pro.pk),
    )
    charge = ChargeFactory(marketplace=m, lead=lead, status="failed")
    _clone(
        Charge,
        charge.pk,
        f"(SELECT id, pro_id, row_number() OVER (ORDER BY id) AS g FROM leads_lead WHERE id > {lead.pk}) AS s",
        {"lead_id": "s.id", "pro_id": "s.pro_id", "idempotency_key": "t.idempotency_key || '-' || s.g"},
    )
    # Wallets: entries and top-ups, the pro's 1,000 among 11,000.
    for owner in (pro, other):
        Wallet.objects.create(marketplace=m, pro=owner, currency="CAD", balance=100_000)
    wallet_of = {wallet.pro_id: wallet.pk for wallet in Wallet.objects.filter(pro__in=[pro, other])}
    top_up = TopUpFactory(marketplace=m, pro=other)
    _clone(
        TopUp,
        top_up.pk,
        _series(SUBJECT_ROWS + OTHER_ROWS),
        {
            "pro_id": "CASE WHEN s.g <= %s THEN %s ELSE t.pro_id END",
            "idempotency_key": "t.idempotency_key || '-' || s.g",
        },
        (SUBJECT_ROWS, pro.pk),
    )
    entry = WalletEntry.objects.create(
        marketplace=m,
        wallet_id=wallet_of[other.pk],
        pro=other,
        kind="top_up",
        amount=100,
        balance_after=100,
        currency="CAD",
        idempotency_key="seed-entry",
    )
    _clone(
        WalletEntry,
        entry.pk,
        _series(SUBJECT_ROWS + OTHER_ROWS),
        {
            # Ids inlined (integers): two placeholder pairs would bind in the table's column
            # order (wallet_id before pro_id), not in this dict's.
            "pro_id": f"CASE WHEN s.g <= {SUBJECT_ROWS:d} THEN {pro.pk:d} ELSE t.pro_id END",
            "wallet_id": f"CASE WHEN s.g <= {SUBJECT_ROWS:d} THEN {wallet_of[pro.pk]:d} ELSE t.wallet_id END",
            "idempotency_key": "t.idempotency_key || '-' || s.g",
        },
        (),
    )
    # Pros: 12,000 listed pros with a service in the category and an area (a quarter in M5V).
    _clone(
        Pro,
        other.pk,
        _series(PROS),
        {
            "slug": "t.slug || '-' || s.g",
            "rank_score": "(s.g * 7919 %% 10000) / 100.0",
            "star_score": "s.g %% 100",
            "paused": "s.g %% 50 = 0",
        },
    )
    pro_rows = _rows_after(Pro, max(pro.pk, other.pk, w.staff.pro_id or 0))
    # Twenty categories share the pros' services evenly (plumbing holds 600 of 12,000).
    trades = [w.category.pk] + [CategoryFactory(marketplace=m).pk for _ in range(19)]
    _clone(
        Service,
        service.pk,
        pro_rows,
        {
            "pro_id": "s.id",
            "category_id": f"(ARRAY{trades})[1 + s.g %% 20]",
            "promotion_enabled": "s.g %% 7 = 0",
        },
    )
    area = ProArea.objects.get(pro=pro)
    _clone(
        ProArea,
        area.pk,
        pro_rows,
        {"pro_id": "s.id", "area": "(ARRAY['M5V','M4C','M6J','M4E'])[1 + s.g %% 4]"},
    )
    # Reviews: the homeowner's 1,000 among 11,000 (one per homeowner and pro).
    review = ReviewFactory(marketplace=m, pro=other, homeowner=others_homeowner)
    _clone(
        Review,
        review.pk,
        f"(SELECT p.id AS pro_id, l.id AS lead_id, g FROM ({_numbered('pros_pro', other.pk)}) p "
        f"JOIN ({_numbered('leads_lead', lead.pk)}) l USING (g) WHERE g <= 11000) AS s",
        {
            "pro_id": "s.pro_id",
            "lead_id": "s.lead_id",
            "homeowner_id": "CASE WHEN s.g <= %s THEN %s ELSE t.homeowner_id END",
        },
        (SUBJECT_ROWS, w.homeowner.pk),
    )
    # Devices: the pro member's 3 among 11,000.
    device = DeviceFactory(marketplace=m, user=others_user)
    _clone(
        Device,
        device.pk,
        _series(SUBJECT_ROWS + OTHER_ROWS),
        {
            "user_id": "CASE WHEN s.g <= 3 THEN %s ELSE t.user_id END",
            "token": "t.token || '-' || s.g",
        },
        (w.pro_user.pk,),
    )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in sorted(BIG_TABLES):
            cursor.execute(f'ANALYZE "{table}"')
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


# (role, path, statements): the statements of one warm request (the marketplace, its policy and
# the token's user come from the process cache), exactly: the same for page 1 and a deep page,
# with and without filters. The pro's lead page is 1: the page (keys first) with each lead's
# offer counts and the list's count, in one statement (the token's user names the pro; it is not
# read); the last page (`?page=last`) counts first, then reads it.
ENDPOINTS = [
    ("pro", "/api/v1/pro/leads/", 1),
    ("pro", "/api/v1/pro/leads/?page=30", 1),
    ("pro", "/api/v1/pro/leads/?status=pending", 1),
    ("pro", "/api/v1/pro/leads/?kind=new&status=accepted", 1),
    ("pro", "/api/v1/pro/leads/?page=last&status=expired", 2),
    ("pro", "/api/v1/pro/notifications/", 3),
    ("pro", "/api/v1/pro/billing/charges/", 3),
    ("pro", "/api/v1/pro/billing/credits/", 2),
    ("pro", "/api/v1/pro/billing/disputes/", 2),
    ("pro", "/api/v1/pro/billing/refunds/", 2),
    ("pro", "/api/v1/pro/wallet/entries/", 3),
    ("pro", "/api/v1/pro/wallet/top-ups/", 3),
    ("pro", "/api/v1/pro/services/", 2),
    ("pro", "/api/v1/pro/vacations/", 2),
    ("pro", "/api/v1/me/devices/", 2),
    ("anonymous", "/api/v1/pros/", 2),
    ("anonymous", "/api/v1/pros/?page=50", 2),
    ("anonymous", "/api/v1/pros/?category=plumbing", 4),
    ("anonymous", "/api/v1/pros/?category=plumbing&postal_code=M5V", 4),
    ("anonymous", "/api/v1/categories/", 2),
    ("homeowner", "/api/v1/quote-requests/", 3),
    ("homeowner", "/api/v1/reviews/", 2),
    ("staff", "/api/v1/staff/pros/", 2),
    ("staff", "/api/v1/staff/pros/?paused=true", 2),
    ("staff", "/api/v1/staff/billing/credits/by-reason/", 1),
]


def _client(world, role: str) -> MarketplaceClient:
    user = {"pro": world.pro_user, "homeowner": world.homeowner, "staff": world.staff, "anonymous": None}[role]
    return MarketplaceClient(world.marketplace, user)


def _seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


def _explain_text(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _explain(sql: str) -> dict:
    """The plan with sequential scans priced out: a Seq Scan left in it means no index can serve
    the statement (at 10k rows the planner may still prefer a scan it would never pick at 1M;
    what matters is that an index path exists)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            raw = cursor.fetchone()[0]
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


@pytest.mark.parametrize(("role", "path", "statements"), ENDPOINTS, ids=[f"{r}:{p}" for r, p, _ in ENDPOINTS])
def test_a_list_reads_its_page_in_few_statements_and_never_scans_a_big_table(world, db, role, path, statements):
    client = _client(world, role)
    client.get(path)  # warm, as every web process is after its first request (tenant, user cached)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    sqls = [q["sql"] for q in queries.captured_queries]
    assert len(sqls) == statements, f"{len(sqls)} statements:\n" + "\n".join(sqls)
    scans = {}
    for sql in sqls:
        if sql.lstrip().upper().startswith("SELECT") and (found := _seq_scans(_explain(sql))):
            scans[sql] = (found, _explain_text(sql))
    assert not scans, "\n\n".join(f"{sql}\n{plan}" for sql, (_, plan) in scans.items())


def test_the_seeded_tables_are_big_and_the_subjects_own_a_share(world, db):
    pro = world.pro_user.pro
    assert Lead.objects.count() > 11_000 and Lead.objects.filter(pro=pro).count() == SUBJECT_ROWS
    assert Pro.objects.count() > 12_000 and QuoteRequest.objects.count() > 11_000
    for model in (Notification, Charge, WalletEntry, TopUp, Review, Device, Service, ProArea):
        assert model.objects.count() > 10_000, model
    assert dt.timedelta(0) < timezone.now() - Lead.objects.order_by("created_at").first().created_at
