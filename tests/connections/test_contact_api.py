import pytest
from django.urls import Resolver404, get_resolver
from hypothesis import given
from hypothesis import strategies as st

from connections.api.views import safe_http_url
from connections.models import ConnectionEvent
from marketplace.api.throttling import ClientNetworkThrottle
from tests.connections.conftest import BROWSER_UA
from tests.factories import ProFactory, UserFactory

pytestmark = pytest.mark.django_db


def phone_url(pro):
    return f"/api/v1/pros/{pro.pk}/phone/"


def website_url(pro):
    return f"/api/v1/pros/{pro.pk}/website/"


def browser(client, ip="203.0.113.10", agent=BROWSER_UA):
    return {"HTTP_USER_AGENT": agent, "REMOTE_ADDR": ip}


def test_phone_returns_the_number_and_records_a_click_with_its_source(api_client, marketplace, member_pro):
    client = api_client(marketplace)

    response = client.get(
        phone_url(member_pro), {"utm_source": "newsletter", "utm_campaign": "spring"}, **browser(client)
    )

    assert response.status_code == 200
    assert response.json() == {"phone": "+1 416 555 0199"}
    assert response["Cache-Control"] == "no-store"
    event = ConnectionEvent.objects.get()
    assert (event.kind, event.pro_id, event.source, event.campaign) == (
        "phone_click",
        member_pro.pk,
        "newsletter",
        "spring",
    )
    assert event.visitor_key.startswith("a:") and "203.0.113" not in event.visitor_key


def test_website_redirects_to_the_pros_own_url_and_records_a_click(api_client, marketplace, member_pro):
    client = api_client(marketplace)

    response = client.get(website_url(member_pro), {"source": "profile-page"}, **browser(client))

    assert response.status_code == 302
    assert response["Location"] == "https://pro.example.test/home"
    event = ConnectionEvent.objects.get()
    assert (event.kind, event.source) == ("website_click", "profile-page")


def test_the_same_visitor_is_counted_once_within_the_window_and_others_apart(api_client, marketplace, member_pro):
    client = api_client(marketplace)

    for _ in range(3):
        assert client.get(website_url(member_pro), **browser(client)).status_code == 302
    client.get(website_url(member_pro), **browser(client, ip="203.0.113.11"))
    client.get(phone_url(member_pro), **browser(client))

    assert ConnectionEvent.objects.filter(kind="website_click").count() == 2
    assert ConnectionEvent.objects.filter(kind="phone_click").count() == 1


def test_bots_get_the_redirect_but_are_not_counted(api_client, marketplace, member_pro):
    client = api_client(marketplace)

    response = client.get(
        website_url(member_pro),
        **browser(client, agent="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    )

    assert response.status_code == 302
    assert not ConnectionEvent.objects.exists()


def test_staff_and_the_pros_own_users_are_not_counted_but_signed_in_homeowners_are_by_address(
    api_client, marketplace, member_pro, pro_user, staff_user, homeowner
):
    for user in (pro_user, staff_user):
        client = api_client(marketplace, user)
        assert client.get(phone_url(member_pro), **browser(client)).status_code == 200
    assert not ConnectionEvent.objects.exists()

    client = api_client(marketplace, homeowner)
    client.get(phone_url(member_pro), **browser(client))
    client.get(phone_url(member_pro), **browser(api_client(marketplace)))  # anonymous, same address
    other = api_client(marketplace, UserFactory(marketplace=marketplace, role="homeowner"))
    other.get(phone_url(member_pro), **browser(other))  # another account, same address

    # The address is the visitor: accounts, tokens and User-Agents do not multiply a click.
    (event,) = ConnectionEvent.objects.all()
    assert event.visitor_key.startswith("a:")


def test_six_user_agents_from_one_address_count_one_click(api_client, marketplace, member_pro):
    client = api_client(marketplace)
    agents = [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/12{n}.0" for n in range(6)]

    for agent in agents:
        assert client.get(website_url(member_pro), **browser(client, agent=agent)).status_code == 302

    assert ConnectionEvent.objects.filter(kind="website_click").count() == 1


def test_addresses_of_one_ipv6_slash_64_count_one_click(api_client, marketplace, member_pro):
    client = api_client(marketplace)
    for address in ("2001:db8:5:6::1", "2001:db8:5:6::2", "2001:db8:5:6::abcd:1", "2001:db8:5:6:ffff:ffff:ffff:fffe"):
        client.get(website_url(member_pro), **browser(client, ip=address))
    client.get(website_url(member_pro), **browser(client, ip="2001:db8:5:7::1"))  # another /64

    assert ConnectionEvent.objects.filter(kind="website_click").count() == 2


def test_the_tracked_endpoints_are_throttled_per_address(api_client, marketplace, member_pro, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], clicks="4/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = api_client(marketplace)

    answers = [client.get(url(member_pro), **browser(client)).status_code for url in (phone_url, website_url) * 3]
    assert answers == [200, 302, 200, 302, 429, 429]
    throttled = client.get(phone_url(member_pro), **browser(client, agent="Another agent/1.0"))
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert client.get(phone_url(member_pro), **browser(client, ip="203.0.113.99")).status_code == 200


def test_a_throttled_click_answers_as_the_documented_drf_view_does(
    api_client, marketplace, member_pro, settings, monkeypatch
):
    """GET (the lean view) and OPTIONS (the DRF class) share one count per network and give the
    same 429: the error shape, the message with its wait, Retry-After."""
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], clicks="2/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    clock = [1_800_000_000.0]
    monkeypatch.setattr(ClientNetworkThrottle, "timer", staticmethod(lambda: clock[0]))
    client = api_client(marketplace)
    assert [client.get(website_url(member_pro), **browser(client)).status_code for _ in range(2)] == [302, 302]

    clock[0] += 20
    lean = client.get(website_url(member_pro), **browser(client))
    documented = client.options(website_url(member_pro), **browser(client))

    assert (lean.status_code, documented.status_code) == (429, 429)
    assert lean.json() == documented.json()
    assert lean.json()["error"] == {
        "code": "throttled",
        "message": "Request was throttled. Expected available in 40 seconds.",
        "fields": {},
    }
    assert lean["Retry-After"] == documented["Retry-After"] == "40"
    clock[0] += 40  # the first two clicks leave the window
    assert client.get(website_url(member_pro), **browser(client)).status_code == 302
    assert lean["Allow"] == documented["Allow"] and lean["Cache-Control"] == "no-store"


def test_a_stale_token_is_treated_as_an_anonymous_visitor(api_client, marketplace, member_pro):
    client = api_client(marketplace)
    client.credentials(HTTP_X_MARKETPLACE=marketplace.slug, HTTP_AUTHORIZATION="Bearer not-a-token")

    response = client.get(phone_url(member_pro), **browser(client))

    assert response.status_code == 200
    assert ConnectionEvent.objects.get().visitor_key.startswith("a:")


def test_non_members_suspended_and_unknown_pros_are_404_and_not_counted(api_client, marketplace, member_pro):
    basic = ProFactory(marketplace=marketplace, tier="basic", phone="+1 416 555 0101", website="https://basic.test/")
    suspended = ProFactory(
        marketplace=marketplace,
        tier="brand_builder",
        suspended=True,
        phone="+1 416 555 0102",
        website="https://s.test/",
    )
    client = api_client(marketplace)

    for pro in (basic, suspended):
        assert client.get(phone_url(pro), **browser(client)).status_code == 404
        assert client.get(website_url(pro), **browser(client)).status_code == 404
    assert client.get("/api/v1/pros/999999/phone/", **browser(client)).status_code == 404
    assert client.get("/api/v1/pros/999999/website/", **browser(client)).status_code == 404
    assert not ConnectionEvent.objects.exists()


def test_when_contact_display_is_open_to_all_a_basic_pro_answers(api_client, marketplace):
    marketplace.policy.members_only_contact_display = False
    marketplace.policy.save()
    basic = ProFactory(marketplace=marketplace, tier="basic", phone="+1 416 555 0101")
    client = api_client(marketplace)

    assert client.get(phone_url(basic), **browser(client)).json() == {"phone": "+1 416 555 0101"}


def test_a_pro_of_another_marketplace_is_404(api_client, marketplace, other_marketplace):
    stranger = ProFactory(marketplace=other_marketplace, tier="brand_builder", phone="+886 2 555 0100")
    client = api_client(marketplace)

    assert client.get(phone_url(stranger), **browser(client)).status_code == 404
    assert not ConnectionEvent.objects.exists()


def test_a_member_without_a_number_or_website_is_404(api_client, marketplace):
    bare = ProFactory(marketplace=marketplace, tier="brand_builder")
    client = api_client(marketplace)

    assert client.get(phone_url(bare), **browser(client)).status_code == 404
    assert client.get(website_url(bare), **browser(client)).status_code == 404


@pytest.mark.parametrize(
    "stored",
    [
        "javascript:alert(1)",
        "//evil.test/",
        "ftp://files.test/",
        "https://user:pw@evil.test/",
        "https:/\\evil.test",
        "data:,x",
    ],
)
def test_a_website_that_is_not_plain_http_never_redirects(api_client, marketplace, stored):
    pro = ProFactory(marketplace=marketplace, tier="brand_builder")
    pro.website = stored  # bypasses the pro app's save-time validation on purpose
    pro.save(update_fields=["website"])
    client = api_client(marketplace)

    response = client.get(website_url(pro), **browser(client))

    assert response.status_code == 404
    assert "Location" not in response
    assert not ConnectionEvent.objects.exists()


def test_an_overlong_source_is_400_with_a_field_error(api_client, marketplace, member_pro):
    client = api_client(marketplace)

    response = client.get(phone_url(member_pro), {"source": "x" * 65}, **browser(client))

    assert response.status_code == 400
    assert "source" in response.json()["error"]["fields"]
    assert not ConnectionEvent.objects.exists()


@given(st.text(max_size=40))
def test_safe_http_url_only_passes_absolute_http_urls_with_a_host(text):
    url = safe_http_url(text)
    if url is not None:
        assert url.lower().startswith(("http://", "https://"))
        assert not any(ch.isspace() for ch in url)


@pytest.mark.parametrize(
    "url", ["https://pro.example.test/home", "http://facebook.com/pro.page?x=1", "https://93.184.215.14/"]
)
def test_safe_http_url_keeps_ordinary_websites(url):
    assert safe_http_url(url) == url


OPEN_REDIRECTS = [
    "http://127.0.0.1/admin/",
    "http://2130706433/",  # 127.0.0.1 to a browser
    "http://0x7f.1/",
    "http://127.1/",
    "http://10.0.0.5/",
    "https://192.168.1.1/router",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[fd00::1]/",
    "http://localhost:8000/",
    "http://printer.local/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/",
    "/relative/path",
    "https:\\\\evil.example",
    "https://user:pw@evil.example/",
    "http://evil.example:99999/",
]


@pytest.mark.parametrize("url", OPEN_REDIRECTS)
def test_the_website_click_never_redirects_to_a_private_host_or_a_non_http_url(
    api_client, marketplace, member_pro, url
):
    member_pro.website = url  # saved directly, past the profile's own check
    member_pro.save(update_fields=["website"])

    response = api_client(marketplace).get(website_url(member_pro), **browser(None))

    assert response.status_code == 404 and "Location" not in response
    assert not ConnectionEvent.objects.exists()


@pytest.mark.parametrize("url", [u for u in OPEN_REDIRECTS if u.startswith("http")])
def test_a_pro_cannot_save_a_website_the_click_would_refuse(api_client, marketplace, member_pro, url):
    user = UserFactory(marketplace=marketplace, role="pro", pro=member_pro)
    response = api_client(marketplace, user).patch("/api/v1/pro/profile/", {"website": url}, format="json")

    assert response.status_code == 400 and "website" in response.json()["error"]["fields"]


def test_only_pros_allowed_to_show_a_website_redirect(api_client, marketplace, member_pro):
    member_pro.tier = "basic"
    member_pro.save(update_fields=["tier"])
    assert api_client(marketplace).get(website_url(member_pro), **browser(None)).status_code == 404


def test_head_probes_and_prefetches_answer_but_are_not_counted(api_client, marketplace, member_pro):
    client = api_client(marketplace)

    assert client.head(website_url(member_pro), **browser(client)).status_code == 302
    prefetched = client.get(website_url(member_pro), HTTP_SEC_PURPOSE="prefetch;prerender", **browser(client))

    assert prefetched.status_code == 302
    assert not ConnectionEvent.objects.exists()
    assert client.get(website_url(member_pro), **browser(client)).status_code == 302
    assert ConnectionEvent.objects.count() == 1


def test_a_request_without_a_client_address_is_served_not_a_500(api_client, marketplace, member_pro):
    """A WSGI server may set no REMOTE_ADDR (the in-process schema fuzzer does not): the
    throttle and the visitor key treat it as one shared client, never as an error."""
    client = api_client(marketplace)

    phone = client.get(phone_url(member_pro), HTTP_USER_AGENT=BROWSER_UA, REMOTE_ADDR=None)
    website = client.get(website_url(member_pro), HTTP_USER_AGENT=BROWSER_UA, REMOTE_ADDR=None)

    assert (phone.status_code, website.status_code) == (200, 302)
    assert ConnectionEvent.objects.count() == 2


def test_the_tracked_routes_resolve_first_and_no_other_route_matches_their_paths():
    """marketplace/urls.py tries the tracked contact routes (the busiest) before every other
    app's: that changes nothing only while no other route matches their paths."""
    api = next(entry for entry in get_resolver().url_patterns if str(entry.pattern) == "api/v1/")
    first, *others = api.url_patterns
    assert first.urlconf_module.__name__ == "connections.api.tracked_urls"
    for path in ("pros/7/phone/", "pros/7/website/", "links/website/a1:b2/", "links/phone/a1:b2/"):
        assert first.resolve(path).url_name.startswith(("pro-", "tracked-link-"))
        for other in others:
            with pytest.raises(Resolver404):
                other.resolve(path)


def test_click_answers_speak_the_language_the_drf_views_chose(api_client, marketplace, other_marketplace, member_pro):
    """Unknown marketplace: Accept-Language as this product reads it (Simplified Chinese is not
    Traditional, where Django's own reading would pick zh-hant). Then Accept-Language, else the
    marketplace's own language. A signed-in visitor: its saved language first."""
    from django.test import Client

    unknown = Client().get(
        website_url(member_pro), HTTP_X_MARKETPLACE="nowhere", HTTP_ACCEPT_LANGUAGE="zh-CN, fr;q=0.5", **browser(None)
    )
    assert unknown.status_code == 404 and unknown["Content-Language"] == "fr-ca"
    assert unknown.json()["error"]["message"].startswith("Place de marché inconnue.")

    other_marketplace.default_language = "zh-hant"
    other_marketplace.save()
    formosa_pro = ProFactory(marketplace=other_marketplace, tier="brand_builder", website="https://pro.example.tw/")
    formosa = api_client(other_marketplace)
    assert formosa.get(website_url(formosa_pro), **browser(formosa))["Content-Language"] == "zh-hant"
    asked = formosa.get(website_url(formosa_pro), HTTP_ACCEPT_LANGUAGE="en", **browser(formosa, ip="203.0.113.20"))
    assert asked["Content-Language"] == "en"
    bad_query = formosa.get(website_url(formosa_pro), {"source": "x" * 65}, **browser(formosa))
    assert bad_query.status_code == 400 and bad_query["Content-Language"] == "zh-hant"

    reader = UserFactory(marketplace=other_marketplace, role="homeowner", language="fr-ca")
    signed_in = api_client(other_marketplace, reader)
    answer = signed_in.get(website_url(formosa_pro), HTTP_ACCEPT_LANGUAGE="en", **browser(signed_in))
    assert answer.status_code == 302 and answer["Content-Language"] == "fr-ca"
