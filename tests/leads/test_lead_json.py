"""The lean lead JSON is ``LeadOutput``'s, byte for byte.

The inbox reads its page in one hand-written statement (``leads.inbox``) and builds each lead's
JSON with plain functions (``leads.api.lead_json``); ``LeadOutput`` stays the documented shape.
Here both paths read the same leads — every kind and status, an overdue lead not yet swept, an
interest past its expiry, contacts revealed or not, quotes, answers of every JSON type — on the
calendar clock and the business-hours clock, in English, Traditional Chinese and Canadian
French, and their JSON (rendered as the API renders it) must be the same bytes, field order
included. The old path is the ORM's grouped read (``lead_queryset_for_pro``) through
``LeadOutput``, as the list served it before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from leads.api.lead_json import lead_json, lead_json_context, lead_row_json
from leads.api.serializers import LeadOutput
from leads.inbox import LeadRow, lead_page_for_pro, lead_row_for_pro
from leads.models import Lead, LeadKind, LeadStatus
from leads.selectors import lead_queryset_for_pro
from marketplace.models import Marketplace
from tests.factories import CategoryFactory, LeadFactory, QuoteRequestFactory, UserFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db

# A Wednesday, 10:30:12 in Toronto: inside a Monday-Friday 9-17 week.
NOW = dt.datetime(2026, 11, 25, 15, 30, 12, 345678, tzinfo=dt.UTC)
LANGUAGES = ["en", "zh-hant", "fr-ca"]
render = JSONRenderer().render


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


class World:
    pass


@pytest.fixture
def world(marketplace, make_pro, frozen):
    w = World()
    w.marketplace = marketplace
    w.user = make_pro()
    w.pro = w.user.pro
    w.others = [make_pro().pro for _ in range(2)]
    w.homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    w.translated = CategoryFactory(
        marketplace=marketplace,
        slug="plumbing-electrical",
        name="Plumbing & Electrical",
        translations={"fr-ca": {"name": "Plomberie et électricité"}, "zh-hant": {"name": "水電工程"}},
    )
    w.plain = CategoryFactory(marketplace=marketplace, slug="roofing", name="Roofing", translations={})
    return w


def _lead(w: World, *, category=None, request=None, request_fields=None, created_at=None, **fields) -> Lead:
    if request is None:
        request = QuoteRequestFactory(
            marketplace=w.marketplace, homeowner=w.homeowner, category=category or w.plain, **(request_fields or {})
        )
    lead = LeadFactory(marketplace=w.marketplace, request=request, pro=fields.pop("pro", w.pro), **fields)
    if created_at is not None:
        Lead.objects.filter(pk=lead.pk).update(created_at=created_at)
    return lead


def _spread(w: World) -> list[Lead]:
    """One lead of each situation the JSON distinguishes."""
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    answered = {"responded_at": NOW - hour}
    quote = {"quote_message": "Tuesday morning works.", "quote_price_min": 12000, "quote_price_max": 18000}
    shared = QuoteRequestFactory(marketplace=w.marketplace, homeowner=w.homeowner, category=w.translated)
    leads = [
        _lead(
            w,
            kind=LeadKind.NEW,
            deadline=NOW + 5 * hour,
            category=w.translated,
            request_fields={
                "budget_min": 10000,
                "budget_max": 25000,
                "start_date": dt.date(2026, 12, 3),
                "answers": {"rooms": "2", "floors": 3, "note": None, "flags": ["a", "b"], "ok": True, "w": 1.5},
            },
        ),
        _lead(w, kind=LeadKind.MATCHED, request=shared, deadline=NOW - dt.timedelta(minutes=1)),  # not yet swept
        _lead(w, kind=LeadKind.MATCHED, deadline=NOW, created_at=NOW - day),  # due this very microsecond
        _lead(
            w,
            kind=LeadKind.PROMOTION,
            status=LeadStatus.ACCEPTED,
            deadline=None,
            contact_revealed_at=NOW - hour,
            fee_amount=0,
            **quote,
            **answered,
        ),
        _lead(w, kind=LeadKind.NEW, status=LeadStatus.ACCEPTED, **quote, **answered),  # paid, contact not yet shown
        _lead(w, kind=LeadKind.MATCHED, status=LeadStatus.REJECTED, reject_reason="Too far for us.", **answered),
        _lead(w, kind=LeadKind.MATCHED, status=LeadStatus.INTERESTED, interest_expires_at=NOW + 2 * day, **quote),
        _lead(w, kind=LeadKind.MATCHED, status=LeadStatus.INTERESTED, interest_expires_at=NOW),  # lapses right now
        _lead(w, kind=LeadKind.MATCHED, status=LeadStatus.LAPSED, interest_expires_at=NOW - day, **quote),
        _lead(w, kind=LeadKind.NEW, status=LeadStatus.EXPIRED, deadline=NOW - day, created_at=NOW - 3 * day),
        _lead(w, kind=LeadKind.NEW, status=LeadStatus.FILLED, created_at=NOW - 3 * day),  # same instant: id breaks it
        _lead(w, kind=LeadKind.NEW, status=LeadStatus.WITHDRAWN, deadline=NOW.replace(microsecond=0) + day),
        _lead(
            w,
            kind=LeadKind.NEW,
            category=w.translated,
            request_fields={"source": "profile", "target_pro": w.pro, "contact_phone": "", "contact_email": ""},
        ),
    ]
    # The shared request was offered to two other pros; one accepted.
    _lead(w, request=shared, pro=w.others[0], status=LeadStatus.ACCEPTED)
    _lead(w, request=shared, pro=w.others[1], status=LeadStatus.REJECTED)
    return leads


def _marketplace(w: World) -> Marketplace:
    """The marketplace as a request holds it: its policy loaded."""
    return Marketplace.objects.select_related("policy").get(pk=w.marketplace.pk)


def _business_hours(w: World) -> None:
    policy = w.marketplace.policy
    policy.business_hours_enabled = True
    policy.save()
    for weekday in range(5):
        WorkingHoursFactory(marketplace=w.marketplace, pro=w.pro, weekday=weekday)


def _drf(marketplace: Marketplace, pro, *, status: str | None = None, kind: str | None = None) -> Any:
    """What the list served before: the ORM's read through ``LeadOutput``."""
    leads = lead_queryset_for_pro(Lead.objects.filter(marketplace=marketplace), pro=pro)
    if status:
        leads = leads.filter(effective_status=status)
    if kind:
        leads = leads.filter(kind=kind)
    return LeadOutput(leads, many=True, context={"marketplace": marketplace}).data


def _lean(marketplace: Marketplace, pro, *, status: str | None = None, kind: str | None = None) -> list[dict]:
    page = lead_page_for_pro(marketplace=marketplace, pro_id=pro.pk, limit=100, offset=0, status=status, kind=kind)
    context = lead_json_context(marketplace=marketplace, pro_id=pro.pk)
    return [lead_row_json(row, context) for row in page.rows]


@pytest.mark.parametrize("business_hours", [False, True], ids=["calendar", "working_hours"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_lead_of_the_spread_reads_the_same_json_as_lead_output(world, language, business_hours):
    leads = _spread(world)
    if business_hours:
        _business_hours(world)
    marketplace = _marketplace(world)
    with translation.override(language):
        old, new = _drf(marketplace, world.pro), _lean(marketplace, world.pro)
    assert len(new) == len(leads)
    for before, after in zip(old, new, strict=True):
        assert render(after) == render(before), before["id"]
    # What the spread is for: each situation shows up.
    statuses = {row["status"] for row in new}
    assert statuses == set(LeadStatus.values)
    assert {row["clock"]["basis"] for row in new} == {"working_hours" if business_hours else "calendar"}
    assert any(row["contact"] for row in new) and any(row["quote"] and not row["contact"] for row in new)
    names = {row["request"]["category"]["name"] for row in new}
    translated = {"en": "Plumbing & Electrical", "zh-hant": "水電工程", "fr-ca": "Plomberie et électricité"}
    assert names == {translated[language], "Roofing"}
    shared = next(row for row in new if row["offered_count"] == 3)
    assert shared["accepted_count"] == 1


FILTERS = [(status, None) for status in LeadStatus.values] + [(None, kind) for kind in LeadKind.values]


@pytest.mark.parametrize(("status", "kind"), [*FILTERS, ("pending", "new")])
def test_each_filter_selects_the_same_leads_in_the_same_order_with_the_same_json(world, status, kind):
    _spread(world)
    marketplace = _marketplace(world)
    old = _drf(marketplace, world.pro, status=status, kind=kind)
    new = _lean(marketplace, world.pro, status=status, kind=kind)
    assert render(new) == render(old)


@pytest.mark.parametrize("language", [("zh-Hant", "zh-hant"), ("fr-CA", "fr-ca")], ids=["zh-Hant", "fr-CA"])
def test_the_inbox_response_is_the_old_body_byte_for_byte(api_client, world, language):
    header, code = language
    _spread(world)
    _business_hours(world)
    marketplace = _marketplace(world)
    client = api_client(world.marketplace, world.user)
    response = client.get("/api/v1/pro/leads/?page_size=5&page=2", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    with translation.override(code):
        old = _drf(marketplace, world.pro)
    body = {
        "count": len(old),
        "next": "http://testserver/api/v1/pro/leads/?page=3&page_size=5",
        "previous": "http://testserver/api/v1/pro/leads/?page_size=5",
        "results": old[5:10],
    }
    assert response.content == render(body)


def test_a_lead_instance_and_its_row_read_the_same(world):
    """``lead_json`` on a loaded lead (the accept's) is its row's JSON."""
    _spread(world)
    marketplace = _marketplace(world)
    for lead in lead_queryset_for_pro(Lead.objects.filter(marketplace=marketplace), pro=world.pro):
        row = lead_row_for_pro(marketplace=marketplace, pro_id=world.pro.pk, lead_id=lead.pk)
        assert row == LeadRow.of(lead)
        expected = render(LeadOutput(lead, context={"marketplace": marketplace}).data)
        assert render(lead_json(lead, marketplace=marketplace)) == expected


# Any lead the model allows, read now: the property behind the spread.
_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
_offset = st.one_of(st.none(), st.integers(-3 * 86400, 3 * 86400).map(lambda s: dt.timedelta(seconds=s)))
_price = st.one_of(st.none(), st.integers(0, 10**9))
_answer = st.one_of(st.none(), _text, st.integers(-(10**6), 10**6), st.booleans(), st.lists(_text, max_size=2))
_leads = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(LeadKind.values),
        "status": st.sampled_from(LeadStatus.values),
        "deadline": _offset,
        "interest_expires_at": _offset,
        "responded_at": _offset,
        "revealed": st.booleans(),
        "quote_message": _text,
        "quote_price_min": _price,
        "quote_price_max": _price,
        "reject_reason": _text,
        "fee_amount": st.integers(0, 10**7),
        "translated": st.booleans(),
        "answers": st.dictionaries(_text, _answer, max_size=3),
        "budget": st.one_of(st.none(), st.integers(0, 10**6)),
        "start_date": st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))),
        "age": st.integers(0, 3).map(lambda n: dt.timedelta(minutes=n)),  # ties on created_at too
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(_leads, min_size=1, max_size=4), language=st.sampled_from(LANGUAGES), hours=st.booleans())
def test_any_lead_reads_the_same_json_both_ways(world, specs, language, hours):
    with transaction.atomic():
        for spec in specs:
            at = {name: None if spec[name] is None else NOW + spec[name] for name in ("deadline", "responded_at")}
            interest = spec["interest_expires_at"]
            _lead(
                world,
                category=world.translated if spec["translated"] else world.plain,
                request_fields={
                    "answers": spec["answers"],
                    "budget_min": spec["budget"],
                    "budget_max": spec["budget"],
                    "start_date": spec["start_date"],
                },
                created_at=NOW - spec["age"],
                kind=spec["kind"],
                status=spec["status"],
                interest_expires_at=None if interest is None else NOW + interest,
                contact_revealed_at=NOW if spec["revealed"] else None,
                quote_message=spec["quote_message"],
                quote_price_min=spec["quote_price_min"],
                quote_price_max=spec["quote_price_max"],
                reject_reason=spec["reject_reason"],
                fee_amount=spec["fee_amount"],
                **at,
            )
        if hours:
            _business_hours(world)
        marketplace = _marketplace(world)
        with translation.override(language):
            assert render(_lean(marketplace, world.pro)) == render(_drf(marketplace, world.pro))
        transaction.set_rollback(True)
