"""The lean click: a counted click is the tenant lookup plus one statement that checks the pro
and counts (issue #16 item 4); a deduplicated click is the same two; a bot writes nothing. The
one statement agrees with the ORM's reading of every rule, and the websites it counts outright
are a subset of the ones the redirect allows."""

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.models import ClickGate, ConnectionEvent, ConnectionKind
from connections.services import (
    DIAL,
    LOCAL_WEBSITE_RE,
    PHONE,
    PLAIN_WEBSITE_RE,
    WEBSITE,
    _connection_click_portable,
    connection_click,
)
from marketplace.network import public_web_url
from marketplace.tracked_links import tracked_link_token
from tests.connections.conftest import BROWSER_UA
from tests.connections.test_contact_api import OPEN_REDIRECTS
from tests.factories import ProFactory

pytestmark = pytest.mark.django_db

VISITOR = {"HTTP_USER_AGENT": BROWSER_UA, "REMOTE_ADDR": "203.0.113.10"}

# Statements per click request. With the cached tenant (issue #16 item 2) merged, the
# marketplace + policy SELECT leaves the path: lower each constant by one (and the token
# user's SELECT likewise, once the JWT user is built without a query).
# Warm (the process has the marketplace and its policy cached, README "Marketplaces"):
CLICK_STATEMENTS = 1  # the pro check + dedupe gate + event INSERT, in one statement
DEDUPED_CLICK_STATEMENTS = 1  # the same statement: the gate refuses, no event row
BOT_CLICK_STATEMENTS = 1  # the pro check alone (a SELECT): nothing written
LINK_CLICK_STATEMENTS = 2  # 1. the marketplace the link signs (+ policy); 2. the counting statement

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def _warm_tenant(api_client, marketplace):
    """Every web process has its marketplace cached after its first request."""
    assert api_client(marketplace).get("/api/v1/categories/").status_code == 200


def _statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def _writes(statements: list[str]) -> list[str]:
    return [sql for sql in statements if any(word in sql.upper() for word in WRITES)]


def test_a_counted_click_is_one_statement_that_checks_the_pro_and_counts(
    api_client, marketplace, member_pro, django_assert_num_queries
):
    client = api_client(marketplace)

    with django_assert_num_queries(CLICK_STATEMENTS) as captured:
        assert client.get(f"/api/v1/pros/{member_pro.pk}/website/", **VISITOR).status_code == 302

    (click,) = _statements(captured)
    assert "pros_pro" in click and "ON CONFLICT" in click and "connections_connectionevent" in click
    assert ConnectionEvent.objects.count() == 1 and ClickGate.objects.count() == 1


def test_a_deduplicated_click_is_the_same_statements_and_adds_no_event(
    api_client, marketplace, member_pro, django_assert_num_queries
):
    client = api_client(marketplace)
    client.get(f"/api/v1/pros/{member_pro.pk}/phone/", **VISITOR)

    with django_assert_num_queries(DEDUPED_CLICK_STATEMENTS):
        response = client.get(f"/api/v1/pros/{member_pro.pk}/phone/", **VISITOR)

    assert response.json() == {"phone": "+1 416 555 0199"}
    assert ConnectionEvent.objects.count() == 1


@pytest.mark.parametrize(
    "visit",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"HTTP_USER_AGENT": "curl/8.5.0"},
        {"HTTP_USER_AGENT": BROWSER_UA, "HTTP_SEC_PURPOSE": "prefetch"},
    ],
    ids=["crawler", "script", "prefetch"],
)
def test_a_click_that_does_not_count_writes_nothing(
    api_client, marketplace, member_pro, django_assert_num_queries, visit
):
    client = api_client(marketplace)

    with django_assert_num_queries(BOT_CLICK_STATEMENTS) as captured:
        assert (
            client.get(f"/api/v1/pros/{member_pro.pk}/website/", REMOTE_ADDR="203.0.113.10", **visit).status_code == 302
        )

    assert _writes(_statements(captured)) == []
    assert not ConnectionEvent.objects.exists() and not ClickGate.objects.exists()


def test_a_head_probe_writes_nothing(api_client, marketplace, member_pro, django_assert_num_queries):
    with django_assert_num_queries(BOT_CLICK_STATEMENTS) as captured:
        assert api_client(marketplace).head(f"/api/v1/pros/{member_pro.pk}/website/", **VISITOR).status_code == 302

    assert _writes(_statements(captured)) == []


def test_staff_and_the_pros_own_users_write_nothing(
    api_client, marketplace, member_pro, pro_user, staff_user, django_assert_max_num_queries
):
    for user in (pro_user, staff_user):
        client = api_client(marketplace, user)  # issues the token: not part of the click
        # + the token's user on its first request (then cached, README "Accounts")
        with django_assert_max_num_queries(BOT_CLICK_STATEMENTS + 1) as captured:
            assert client.get(f"/api/v1/pros/{member_pro.pk}/phone/", **VISITOR).status_code == 200
        assert _writes(_statements(captured)) == []
    assert not ConnectionEvent.objects.exists()


def test_a_signed_link_click_is_the_marketplace_it_signs_and_one_statement(
    marketplace, member_pro, django_assert_num_queries
):
    token = tracked_link_token(marketplace_id=marketplace.pk, pro_id=member_pro.pk, kind="phone")

    with django_assert_num_queries(LINK_CLICK_STATEMENTS):
        response = Client().get(f"/api/v1/links/phone/{token}/", **VISITOR)

    assert (response.status_code, response["Location"]) == (302, "tel:+14165550199")
    assert ConnectionEvent.objects.get().kind == ConnectionKind.PHONE_CLICK


def test_a_website_on_a_public_ip_literal_is_judged_in_python_then_counted_once_per_window(api_client, marketplace):
    pro = ProFactory(marketplace=marketplace, tier="brand_builder", website="https://93.184.215.14/shop")
    client = api_client(marketplace)

    for _ in range(2):
        response = client.get(f"/api/v1/pros/{pro.pk}/website/", **VISITOR)
        assert (response.status_code, response["Location"]) == (302, "https://93.184.215.14/shop")

    assert ConnectionEvent.objects.filter(pro=pro).count() == 1


def test_without_a_dedupe_window_every_click_counts(api_client, marketplace, member_pro):
    marketplace.policy.click_dedupe_minutes = 0
    marketplace.policy.save()
    client = api_client(marketplace)

    for _ in range(3):
        client.get(f"/api/v1/pros/{member_pro.pk}/phone/", **VISITOR)

    assert ConnectionEvent.objects.count() == 3 and not ClickGate.objects.exists()


# --- The statement and the ORM read every rule alike -------------------------------------

PRO_VARIANTS = {
    "member": {"tier": "brand_builder", "phone": "+1 416 555 0199", "website": "https://pro.example.test/home"},
    "basic": {"tier": "basic", "phone": "+1 416 555 0101", "website": "https://basic.example.test/"},
    "suspended": {"tier": "brand_builder", "suspended": True, "phone": "+1 4", "website": "https://s.example.test/"},
    "bare": {"tier": "brand_builder", "phone": "", "website": ""},
    "no digits": {"tier": "brand_builder", "phone": "call us", "website": "https://a.example.test/"},
    "ip website": {"tier": "brand_builder", "phone": "1", "website": "https://93.184.215.14/"},
    "private website": {"tier": "brand_builder", "phone": "1", "website": "http://10.0.0.5/"},
    "local website": {"tier": "brand_builder", "phone": "1", "website": "http://printer.local/"},
    "port website": {"tier": "brand_builder", "phone": "1", "website": "https://shop.example.test:8443/"},
}


@pytest.mark.parametrize("members_only", [True, False])
@pytest.mark.parametrize("reveal", [PHONE, DIAL, WEBSITE])
def test_the_counting_statement_and_the_orm_agree_on_every_pro_and_contact(
    marketplace, other_marketplace, members_only, reveal
):
    marketplace.policy.members_only_contact_display = members_only
    marketplace.policy.save()
    pros = {name: ProFactory(marketplace=marketplace, **fields) for name, fields in PRO_VARIANTS.items()}
    pros["foreign"] = ProFactory(marketplace=other_marketplace, **PRO_VARIANTS["member"])
    kind = ConnectionKind.WEBSITE_CLICK if reveal == WEBSITE else ConnectionKind.PHONE_CLICK

    def answers(pro, ip):
        statement = connection_click(
            marketplace=marketplace, pro_id=pro.pk, kind=kind, reveal=reveal, ip=ip, user_agent=BROWSER_UA
        )
        orm = _connection_click_portable(
            marketplace=marketplace,
            pro_id=pro.pk,
            kind=kind,
            reveal=reveal,
            count=True,
            members_only=members_only,
            event={"source": "", "medium": "", "campaign": "", "visitor_key": f"b:{ip}"},
        )
        return statement, orm

    for name, pro in pros.items():
        statement, orm = answers(pro, "198.51.100.1")
        assert statement == orm, name
        again, _ = answers(pro, "198.51.100.1")  # the same visitor: deduplicated
        assert again is None or not again.counted, name
    assert ConnectionEvent.objects.filter(visitor_key__startswith="a:").count() == (
        ConnectionEvent.objects.filter(visitor_key__startswith="b:").count()
    )


def _counts_outright(url: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s ~* %s AND %s !~* %s", [url, PLAIN_WEBSITE_RE, url, LOCAL_WEBSITE_RE])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("url", OPEN_REDIRECTS + ["https://a.example.test\\@evil.test/", "https://x.home.arpa./"])
def test_no_website_the_redirect_refuses_is_counted_outright(url):
    assert not _counts_outright(url)


@pytest.mark.parametrize(
    "url", ["https://pro.example.test/home", "http://facebook.com/pro.page?x=1", "HTTPS://Roof-Co.CA/#top"]
)
def test_ordinary_websites_count_in_the_one_statement(url):
    assert _counts_outright(url) and public_web_url(url)


_LABEL = st.from_regex(r"[a-zA-Z0-9-]{0,12}", fullmatch=True)
_URLISH = st.builds(
    lambda scheme, labels, tail: f"{scheme}://{'.'.join(labels)}{tail}",
    st.sampled_from(["http", "https", "HTTP", "ftp", "javascript"]),
    st.lists(
        st.one_of(_LABEL, st.sampled_from(["local", "localhost", "internal", "home", "arpa", "0x7f", "1"])),
        min_size=1,
        max_size=5,
    ),
    st.one_of(st.just(""), st.text(max_size=12), st.from_regex(r"[/?#:@\\][ -~]{0,10}", fullmatch=True)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.one_of(_URLISH, st.text(max_size=30)))
def test_every_website_counted_outright_is_one_the_redirect_allows(url):
    if "\x00" in url:
        return  # PostgreSQL text holds no NUL; a stored website never has one
    if _counts_outright(url):
        assert public_web_url(url), url
