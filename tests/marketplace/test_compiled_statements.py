"""Statements compiled once (marketplace/compiled.py) do what the ORM's own evaluation does:
the same rows as the same model instances (related objects and annotations included), the
same rows updated, the same rows written — and refuse what they cannot do faithfully."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, OuterRef, Subquery, signals
from django.db.transaction import TransactionManagementError
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Charge, LedgerEntry
from leads.models import Lead, LeadEvent, LeadStatus, QuoteRequest
from marketplace.compiled import CompiledSelect, CompiledUpdate, _sentinels, _slots, model_insert, model_update
from tests.factories import LeadFactory, QuoteRequestFactory

pytestmark = pytest.mark.django_db


def _locked_requests(lead_id: int):
    lead_ref = Lead.objects.filter(pk=lead_id).values("request_id")[:1]
    offers = Lead.objects.filter(request_id=OuterRef("pk")).order_by().values("request_id")
    return (
        QuoteRequest.objects.select_for_update(of=("self",))
        .select_related("category", "marketplace__policy")
        .annotate(offers=Subquery(offers.annotate(n=Count("pk")).values("n")[:1]))
        .filter(pk=Subquery(lead_ref))
    )


def _same(a, b) -> None:
    assert type(a) is type(b)
    assert model_to_dict(a) == model_to_dict(b)
    assert a._state.db == b._state.db and a._state.adding is b._state.adding is False


def test_a_compiled_select_returns_what_the_queryset_returns_related_objects_and_annotations(marketplace):
    request = QuoteRequestFactory(marketplace=marketplace)
    leads = LeadFactory.create_batch(3, request=request, marketplace=marketplace)
    compiled = CompiledSelect(_locked_requests, lead_id=int)
    with transaction.atomic():
        for lead in leads:
            (expected,) = list(_locked_requests(lead.pk))
            (got,) = compiled.rows(lead_id=lead.pk)
            _same(got, expected)
            _same(got.category, expected.category)
            _same(got.marketplace, expected.marketplace)
            _same(got.marketplace.policy, expected.marketplace.policy)
            assert got.offers == expected.offers == 3
        assert compiled.rows(lead_id=-1) == []


def test_a_compiled_select_is_compiled_once_and_costs_one_statement_per_call(marketplace):
    lead = LeadFactory(marketplace=marketplace)
    built = []

    def build(lead_id):
        built.append(lead_id)
        return Lead.objects.select_for_update().filter(pk=lead_id)

    compiled = CompiledSelect(build, lead_id=int)
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        for _ in range(5):
            assert compiled.first(lead_id=lead.pk).pk == lead.pk
    assert len(built) == 1 and built[0] != lead.pk  # built once, with the sentinel
    assert len(statements) == 5
    if connection.features.has_select_for_update:  # not on SQLite, the embedded default
        assert all("FOR UPDATE" in s["sql"] for s in statements)


@pytest.mark.django_db(transaction=True)  # autocommit, as a request outside atomic() is
def test_a_locking_compiled_select_refuses_to_run_outside_a_transaction(marketplace):
    lead = LeadFactory(marketplace=marketplace)
    compiled = CompiledSelect(lambda lead_id: Lead.objects.select_for_update().filter(pk=lead_id), lead_id=int)
    with pytest.raises(TransactionManagementError):
        compiled.rows(lead_id=lead.pk)


def test_a_parameter_the_orm_does_not_bind_is_refused_when_compiling():
    compiled = CompiledSelect(lambda lead_id: Lead.objects.filter(pk=1), lead_id=int)
    with pytest.raises(ValueError, match="does not use"):
        compiled.rows(lead_id=1)
    with pytest.raises(TypeError, match="int or a datetime"):
        CompiledSelect(lambda name: Lead.objects.filter(kind=name), name=str).rows(name="new")


def test_a_compiled_select_demands_exactly_its_parameters(marketplace):
    compiled = CompiledSelect(lambda lead_id: Lead.objects.filter(pk=lead_id), lead_id=int)
    with pytest.raises(TypeError, match="expected the parameters"):
        compiled.rows(lead_id=1, pro_id=2)


def test_a_compiled_update_updates_what_the_queryset_update_would(marketplace):
    now = timezone.now()
    request = QuoteRequestFactory(marketplace=marketplace)
    overdue = LeadFactory(request=request, marketplace=marketplace, deadline=now - dt.timedelta(hours=1))
    in_time = LeadFactory(request=request, marketplace=marketplace, deadline=now + dt.timedelta(hours=1))
    compiled = CompiledUpdate(
        lambda request_id, cutoff: Lead.objects.filter(
            request_id=request_id, status=LeadStatus.PENDING, deadline__lte=cutoff
        ),
        {"status": LeadStatus.EXPIRED},
        request_id=int,
        cutoff=dt.datetime,
    )
    assert compiled.run(request_id=request.pk, cutoff=now) == 1
    assert compiled.run(request_id=request.pk, cutoff=now) == 0
    overdue.refresh_from_db()
    in_time.refresh_from_db()
    assert (overdue.status, in_time.status) == (LeadStatus.EXPIRED, LeadStatus.PENDING)


def test_a_time_the_backend_adapts_is_bound_adapted_as_the_orm_binds_it():
    """SQLite (``make run``'s embedded default) receives datetimes as naive strings: the
    compiled statement finds the adapted sentinel and adapts each call's value the same way."""

    class Ops:
        @staticmethod
        def adapt_datetimefield_value(value):
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")

    class Backend:
        ops = Ops()

    sentinels = _sentinels({"lead_id": int, "now": dt.datetime})
    adapted = Ops.adapt_datetimefield_value(sentinels["now"])
    slots = _slots([sentinels["lead_id"], "pending", adapted, adapted], sentinels, Backend())
    compiled = CompiledUpdate(lambda **_: None, {}, lead_id=int, now=dt.datetime)
    compiled._slots = slots
    when = dt.datetime(2026, 12, 1, 12, 30, tzinfo=dt.UTC)
    assert compiled._bind({"lead_id": 7, "now": when}) == [7, "pending", "2026-12-01 12:30:00", "2026-12-01 12:30:00"]


def test_model_insert_writes_the_row_create_writes(marketplace):
    lead, other = LeadFactory.create_batch(2, marketplace=marketplace)
    fields = {
        "marketplace_id": marketplace.pk,
        "pro_id": lead.pro_id,
        "amount": 2500,
        "currency": marketplace.currency,
        "gateway": "local",
        "payment_method_token": "pm_card_visa",
        "accept_payload": {"message": "Hi", "price": None, "actor_id": 7},
    }
    inserted = model_insert(Charge(idempotency_key="compiled-1", lead_id=lead.pk, **fields))
    created = Charge.objects.create(idempotency_key="compiled-2", lead_id=other.pk, **fields)
    fresh = Charge.objects.get(pk=inserted.pk)
    assert inserted.pk is not None and inserted._state.adding is False
    ignore = {"id", "idempotency_key", "created_at", "lead"}
    assert {k: v for k, v in model_to_dict(fresh).items() if k not in ignore} == {
        k: v for k, v in model_to_dict(Charge.objects.get(pk=created.pk)).items() if k not in ignore
    }
    assert fresh.created_at is not None and abs(fresh.created_at - created.created_at) < dt.timedelta(minutes=1)


def test_model_update_writes_only_the_named_fields_and_refuses_a_row_that_is_gone(marketplace):
    lead = LeadFactory(marketplace=marketplace, quote_message="before")
    Lead.objects.filter(pk=lead.pk).update(reject_reason="kept")
    lead.status, lead.quote_message, lead.quote_price_min = LeadStatus.ACCEPTED, "after", None
    model_update(lead, ["status", "quote_message", "quote_price_min"])
    fresh = Lead.objects.get(pk=lead.pk)
    assert (fresh.status, fresh.quote_message, fresh.quote_price_min, fresh.reject_reason) == (
        LeadStatus.ACCEPTED,
        "after",
        None,
        "kept",  # not named: not written back from the stale instance
    )
    Lead.objects.filter(pk=lead.pk).delete()
    with pytest.raises(DatabaseError):
        model_update(lead, ["status"])


def test_model_insert_is_refused_in_the_ledger_as_create_is_when_the_key_repeats(marketplace):
    """The ledger's UNIQUE key still guards a write made this way."""
    lead = LeadFactory(marketplace=marketplace)
    charge = Charge.objects.create(
        marketplace_id=marketplace.pk,
        pro_id=lead.pro_id,
        lead_id=lead.pk,
        amount=100,
        currency=marketplace.currency,
        idempotency_key="compiled-ledger",
        gateway="local",
    )
    entry = {
        "marketplace_id": marketplace.pk,
        "pro_id": charge.pro_id,
        "lead_id": lead.pk,
        "charge": charge,
        "kind": "charge",
        "amount": 100,
        "currency": marketplace.currency,
        "idempotency_key": "compiled-ledger:ledger",
    }
    model_insert(LedgerEntry(**entry))
    with pytest.raises(DatabaseError), transaction.atomic():
        model_insert(LedgerEntry(**entry))


@pytest.mark.parametrize("model", [Charge, LedgerEntry, LeadEvent, Lead])
def test_no_save_signal_listens_to_the_models_written_without_the_orms_save(model):
    """model_insert / model_update skip pre_save and post_save: nothing may rely on them."""
    for signal in (signals.pre_save, signals.post_save):
        assert not signal.has_listeners(model), f"{signal} has a receiver for {model.__name__}"
