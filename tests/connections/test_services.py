import datetime as dt
import itertools
import uuid

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.models import ClickGate, ConnectionEvent, ConnectionKind
from connections.services import connection_click_record, connection_record, visitor_key_for
from marketplace.models import MarketplacePolicy
from tests.connections.conftest import BROWSER_UA
from tests.factories import LeadFactory, ProFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ConnectionKind.values)
def test_each_kind_is_recorded_with_its_source(marketplace, member_pro, kind):
    event = connection_record(marketplace=marketplace, pro=member_pro, kind=kind, source="spring-flyer")

    assert event is not None
    stored = ConnectionEvent.objects.get(pk=event.pk)
    assert (stored.kind, stored.source, stored.pro_id) == (kind, "spring-flyer", member_pro.pk)


def test_unknown_kind_is_refused(marketplace, member_pro):
    with pytest.raises(ValueError):
        connection_record(marketplace=marketplace, pro=member_pro, kind="hug")


def test_a_pro_of_another_marketplace_is_refused(marketplace, other_marketplace):
    stranger = ProFactory(marketplace=other_marketplace)
    with pytest.raises(ValueError):
        connection_record(marketplace=marketplace, pro=stranger, kind=ConnectionKind.PHONE_CLICK)


def test_a_lead_event_counts_once_per_lead_and_kind(marketplace, member_pro):
    lead = LeadFactory(marketplace=marketplace, pro=member_pro)

    first = connection_record(marketplace=marketplace, pro=member_pro, kind=ConnectionKind.PROFILE_LEAD, lead=lead)
    again = connection_record(marketplace=marketplace, pro=member_pro, kind=ConnectionKind.PROFILE_LEAD, lead=lead)
    exposure = connection_record(marketplace=marketplace, pro=member_pro, kind=ConnectionKind.EXPOSURE, lead=lead)

    assert first is not None and first.lead_id == lead.pk
    assert again is None
    assert exposure is not None
    assert ConnectionEvent.objects.filter(lead=lead).count() == 2


def test_a_rolled_back_lead_transaction_leaves_no_event(marketplace, member_pro):
    lead = LeadFactory(marketplace=marketplace, pro=member_pro)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        connection_record(marketplace=marketplace, pro=member_pro, kind=ConnectionKind.MATCHED_LEAD, lead=lead)
        raise Boom

    assert not ConnectionEvent.objects.exists()


def test_source_is_trimmed_stripped_of_control_characters_and_length_limited(marketplace, member_pro):
    event = connection_record(
        marketplace=marketplace, pro=member_pro, kind=ConnectionKind.PHONE_CLICK, source="  <b>x</b>\x00\n" + "y" * 200
    )

    event.refresh_from_db()
    assert event.source.startswith("<b>x</b>y")
    assert len(event.source) == 64


def test_a_click_counts_once_per_visitor_within_the_dedupe_window(marketplace, member_pro):
    marketplace.policy.click_dedupe_minutes = 30
    marketplace.policy.save()
    start = timezone.now()

    def click(minutes_later, visitor="u:1", kind=ConnectionKind.WEBSITE_CLICK):
        return connection_record(
            marketplace=marketplace,
            pro=member_pro,
            kind=kind,
            visitor_key=visitor,
            occurred_at=start + dt.timedelta(minutes=minutes_later),
        )

    assert click(0) is not None
    assert click(29) is None
    assert click(29, visitor="u:2") is not None
    assert click(29, kind=ConnectionKind.PHONE_CLICK) is not None
    assert click(30) is not None  # the window runs from the last counted click
    assert click(59) is None
    assert ConnectionEvent.objects.filter(visitor_key="u:1", kind=ConnectionKind.WEBSITE_CLICK).count() == 2
    gate = ClickGate.objects.get(visitor_key="u:1", kind=ConnectionKind.WEBSITE_CLICK)
    assert gate.counted_at == start + dt.timedelta(minutes=30)


def test_a_zero_dedupe_window_counts_every_click(marketplace, member_pro):
    marketplace.policy.click_dedupe_minutes = 0
    marketplace.policy.save()

    for _ in range(3):
        connection_record(marketplace=marketplace, pro=member_pro, kind=ConnectionKind.PHONE_CLICK, visitor_key="u:9")

    assert ConnectionEvent.objects.count() == 3


def test_the_visitor_key_is_a_daily_salted_hash_of_the_network_never_the_address():
    today = dt.date(2026, 3, 1)
    key = visitor_key_for(ip="203.0.113.7", day=today)

    assert key.startswith("a:") and "203.0.113" not in key
    assert key == visitor_key_for(ip="203.0.113.7", day=today)
    assert key == visitor_key_for(ip="::ffff:203.0.113.7", day=today)
    assert key != visitor_key_for(ip="203.0.113.8", day=today)
    assert key != visitor_key_for(ip="203.0.113.7", day=today + dt.timedelta(days=1))
    # One IPv6 host picks any address of its /64: the /64 is the visitor.
    assert visitor_key_for(ip="2001:db8:1:2::1", day=today) == visitor_key_for(ip="2001:db8:1:2:ffff::9", day=today)
    assert visitor_key_for(ip="2001:db8:1:2::1", day=today) != visitor_key_for(ip="2001:db8:1:3::1", day=today)
    assert visitor_key_for(ip=None, day=today) == visitor_key_for(ip="", day=today)  # no REMOTE_ADDR: no 500


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "curl/8.5.0",
        "python-requests/2.31.0",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)",
        "",
    ],
)
def test_bots_and_crawlers_are_not_counted(marketplace, member_pro, agent):
    event = connection_click_record(
        marketplace=marketplace, pro=member_pro, kind=ConnectionKind.PHONE_CLICK, ip="198.51.100.1", user_agent=agent
    )

    assert event is None
    assert not ConnectionEvent.objects.exists()


def test_staff_and_the_pros_own_users_are_not_counted(marketplace, member_pro, pro_user, staff_user, homeowner):
    other_pro_user = UserFactory(marketplace=marketplace, role="pro")

    def click(user, ip):
        return connection_click_record(
            marketplace=marketplace,
            pro=member_pro,
            kind=ConnectionKind.PHONE_CLICK,
            user=user,
            ip=ip,
            user_agent=BROWSER_UA,
        )

    assert click(pro_user, "198.51.100.1") is None
    assert click(staff_user, "198.51.100.2") is None
    assert click(homeowner, "198.51.100.3").visitor_key == visitor_key_for(ip="198.51.100.3")
    assert click(other_pro_user, "198.51.100.4") is not None
    assert ConnectionEvent.objects.count() == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    window=st.integers(min_value=1, max_value=90),
    gaps=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=8),
)
def test_clicks_are_counted_exactly_when_a_window_has_passed_since_the_last_counted_one(
    marketplace, member_pro, window, gaps
):
    MarketplacePolicy.objects.filter(marketplace=marketplace).update(click_dedupe_minutes=window)
    marketplace.refresh_from_db()
    visitor = f"u:{uuid.uuid4()}"
    start = timezone.now()
    expected, last_counted, minute = [], None, 0
    for gap in gaps:
        minute += gap
        counts = last_counted is None or minute - last_counted >= window
        expected.append(counts)
        if counts:
            last_counted = minute

    actual = [
        connection_record(
            marketplace=marketplace,
            pro=member_pro,
            kind=ConnectionKind.WEBSITE_CLICK,
            visitor_key=visitor,
            occurred_at=start + dt.timedelta(minutes=at),
        )
        is not None
        for at in itertools.accumulate(gaps)
    ]

    assert actual == expected
