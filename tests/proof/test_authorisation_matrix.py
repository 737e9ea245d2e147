"""Every /api/v1/ route × every role → the status code it must answer.

Broken object level authorisation is covered by construction: each route that names an
object is tried by its owner, by another user of the same role, by the other roles, and by
the staff of another marketplace (who asks its own marketplace for this marketplace's ids).
A route missing from ``MATRIX`` fails ``test_the_matrix_covers_every_api_route`` until added.
"""

import itertools

import pytest
from django.urls import get_resolver

from marketplace.tracked_links import tracked_link_token
from tests.marketplace.test_route_walker import _methods, _view_class, _walk
from tests.proof.conftest import PASSWORD, ROLES, refresh_token

pytestmark = pytest.mark.django_db

_seq = itertools.count()


def _register(world, role):
    return {
        "email": f"new-{role}-{next(_seq)}@home.test",
        "password": "long-enough-pass-42",
        "name": "New",
        "role": "homeowner",
    }


def _quote_request(world, role):
    return {
        "category": "electrical",
        "postal_code": "M5V 3L9",
        "description": "Add two outlets.",
        "contact": {"name": "Pat", "phone": "+1 416 555 0100", "email": "pat@example.test"},
    }


def _service(world, role):
    return {"category": "electrical", "title": f"Rewiring {next(_seq)}"}


# Roles, in order:  anon homeowner other_ho  pro  other_pro staff foreign_staff
PUBLIC = (200,) * 6 + (200,)
PUBLIC_OBJECT = (200,) * 6 + (404,)
AUTHENTICATED = (401,) + (200,) * 6
HOMEOWNERS = (401, 200, 200, 403, 403, 403, 403)
HOMEOWNER_OBJECT = (401, 200, 404, 403, 403, 403, 403)
PROS = (401, 403, 403, 200, 200, 403, 403)
PRO_OBJECT = (401, 403, 403, 200, 404, 403, 403)
STAFF = (401, 403, 403, 403, 403, 200, 200)
STAFF_OBJECT = (401, 403, 403, 403, 403, 200, 404)

# (route as in the URLconf, method) → (url template, body or body(world, role), statuses per role)
MATRIX = {
    # One answer whether or not the e-mail has an account (registration does not reveal accounts).
    ("api/v1/auth/register/", "post"): ("/api/v1/auth/register/", _register, (202,) * 7),
    ("api/v1/auth/password/change/", "post"): (
        "/api/v1/auth/password/change/",
        {"current_password": PASSWORD, "new_password": "another-long-pass-77"},
        AUTHENTICATED,
    ),
    ("api/v1/auth/password/reset/", "post"): ("/api/v1/auth/password/reset/", {"email": "owner@home.test"}, (202,) * 7),
    ("api/v1/auth/password/reset/confirm/", "post"): (
        "/api/v1/auth/password/reset/confirm/",
        {"uid": "MQ", "token": "not-a-token", "new_password": "another-long-pass-77"},
        (400,) * 7,
    ),
    ("api/v1/auth/token/", "post"): (
        "/api/v1/auth/token/",
        lambda w, r: {"email": "owner@home.test", "password": PASSWORD},
        (200,) * 6 + (401,),
    ),  # the homeowner's e-mail is unknown in the other marketplace
    ("api/v1/auth/token/refresh/", "post"): (
        "/api/v1/auth/token/refresh/",
        lambda w, r: {"refresh": refresh_token(w.users["homeowner"])},
        (200,) * 6 + (401,),
    ),  # a maple token is refused in formosa
    ("api/v1/me/", "get"): ("/api/v1/me/", None, AUTHENTICATED),
    ("api/v1/me/", "patch"): ("/api/v1/me/", {"language": "fr-CA"}, AUTHENTICATED),
    ("api/v1/pro/profile/", "get"): ("/api/v1/pro/profile/", None, PROS),
    ("api/v1/pro/profile/", "patch"): ("/api/v1/pro/profile/", {"description": "Licensed plumbers."}, PROS),
    ("api/v1/reviews/", "get"): ("/api/v1/reviews/", None, HOMEOWNERS),
    ("api/v1/reviews/", "post"): (
        "/api/v1/reviews/",
        lambda w, r: {"pro": w.objects["pro"].pk, "rating": 5, "comment": "Great."},
        (401, 201, 403, 403, 403, 403, 403),
    ),  # only a homeowner the pro answered may review it
    ("api/v1/categories/", "get"): ("/api/v1/categories/", None, PUBLIC),
    ("api/v1/categories/(?P<pk>[^/.]+)/", "get"): ("/api/v1/categories/{category}/", None, PUBLIC_OBJECT),
    ("api/v1/pros/", "get"): ("/api/v1/pros/", None, PUBLIC),
    ("api/v1/pros/(?P<pk>[^/.]+)/", "get"): ("/api/v1/pros/{pro}/", None, PUBLIC_OBJECT),
    ("api/v1/pros/<int:pk>/phone/", "get"): ("/api/v1/pros/{pro}/phone/", None, PUBLIC_OBJECT),
    ("api/v1/pros/<int:pk>/website/", "get"): ("/api/v1/pros/{pro}/website/", None, (302,) * 6 + (404,)),
    # Signed links need no header: every visitor (foreign staff too) reaches the pro they sign.
    ("api/v1/links/website/<str:token>/", "get"): ("/api/v1/links/website/{website_link}/", None, (302,) * 7),
    ("api/v1/links/phone/<str:token>/", "get"): ("/api/v1/links/phone/{phone_link}/", None, (302,) * 7),
    ("api/v1/pro/services/", "get"): ("/api/v1/pro/services/", None, PROS),
    ("api/v1/pro/services/", "post"): ("/api/v1/pro/services/", _service, (401, 403, 403, 201, 201, 403, 403)),
    ("api/v1/pro/services/(?P<pk>[^/.]+)/", "get"): ("/api/v1/pro/services/{service}/", None, PRO_OBJECT),
    ("api/v1/pro/services/(?P<pk>[^/.]+)/", "patch"): (
        "/api/v1/pro/services/{service}/",
        {"title": "Emergency plumbing"},
        PRO_OBJECT,
    ),
    ("api/v1/pro/services/(?P<pk>[^/.]+)/", "delete"): (
        "/api/v1/pro/services/{service}/",
        None,
        (401, 403, 403, 204, 404, 403, 403),
    ),
    ("api/v1/staff/pros/", "get"): ("/api/v1/staff/pros/", None, STAFF),
    ("api/v1/staff/pros/(?P<pk>[^/.]+)/", "get"): ("/api/v1/staff/pros/{pro}/", None, STAFF_OBJECT),
    ("api/v1/staff/pros/(?P<pk>[^/.]+)/", "patch"): ("/api/v1/staff/pros/{pro}/", {"paused": True}, STAFF_OBJECT),
    ("api/v1/quote-requests/", "get"): ("/api/v1/quote-requests/", None, HOMEOWNERS),
    ("api/v1/quote-requests/", "post"): (
        "/api/v1/quote-requests/",
        _quote_request,
        (401, 201, 201, 403, 403, 403, 403),
    ),
    ("api/v1/quote-requests/(?P<pk>[^/.]+)/", "get"): ("/api/v1/quote-requests/{request}/", None, HOMEOWNER_OBJECT),
    ("api/v1/quote-requests/(?P<pk>[^/.]+)/cancel/", "post"): (
        "/api/v1/quote-requests/{request}/cancel/",
        None,
        HOMEOWNER_OBJECT,
    ),
    ("api/v1/quote-requests/(?P<pk>[^/.]+)/hire/", "post"): (
        "/api/v1/quote-requests/{answered_request}/hire/",
        lambda w, r: {"pro": w.objects["pro"].pk},
        HOMEOWNER_OBJECT,
    ),
    ("api/v1/quote-requests/<int:pk>/interests/", "get"): (
        "/api/v1/quote-requests/{request}/interests/",
        None,
        HOMEOWNER_OBJECT,
    ),
    # The world's pro accepted its lead outright (no mutual interest): nobody to connect with.
    ("api/v1/quote-requests/<int:pk>/connect/", "post"): (
        "/api/v1/quote-requests/{answered_request}/connect/",
        lambda w, r: {"pro": w.objects["pro"].pk},
        (401, 409, 404, 403, 403, 403, 403),
    ),
    ("api/v1/pro/leads/", "get"): ("/api/v1/pro/leads/", None, PROS),
    ("api/v1/pro/leads/(?P<pk>[^/.]+)/", "get"): ("/api/v1/pro/leads/{lead}/", None, PRO_OBJECT),
    ("api/v1/pro/leads/(?P<pk>[^/.]+)/accept/", "post"): (
        "/api/v1/pro/leads/{lead}/accept/",
        {"message": "Can come Tuesday."},
        PRO_OBJECT,
    ),
    ("api/v1/pro/leads/(?P<pk>[^/.]+)/reject/", "post"): (
        "/api/v1/pro/leads/{lead}/reject/",
        {"reason": "Too far."},
        PRO_OBJECT,
    ),
    ("api/v1/pro/notifications/", "get"): ("/api/v1/pro/notifications/", None, PROS),
    ("api/v1/pro/billing/payment-method/", "put"): (
        "/api/v1/pro/billing/payment-method/",
        {"token": "pm_card_visa"},
        PROS,
    ),
    ("api/v1/pro/billing/payment-method/", "get"): ("/api/v1/pro/billing/payment-method/", None, PROS),
    ("api/v1/pro/wallet/", "get"): ("/api/v1/pro/wallet/", None, PROS),
    ("api/v1/pro/billing/credits/", "get"): ("/api/v1/pro/billing/credits/", None, PROS),
    # The world's marketplace charges a card per lead: automatic top-ups are 409 for its pros.
    ("api/v1/pro/wallet/auto-top-up/", "put"): (
        "/api/v1/pro/wallet/auto-top-up/",
        {"threshold": 5000, "amount": 10000, "monthly_limit": 30000},
        (401, 403, 403, 409, 409, 403, 403),
    ),
    ("api/v1/pro/wallet/auto-top-up/", "patch"): (
        "/api/v1/pro/wallet/auto-top-up/",
        {"threshold": 5000, "amount": 10000, "monthly_limit": 30000},
        (401, 403, 403, 409, 409, 403, 403),
    ),
    ("api/v1/pro/wallet/auto-top-up/", "delete"): (
        "/api/v1/pro/wallet/auto-top-up/",
        None,
        (401, 403, 403, 204, 204, 403, 403),
    ),
    # The e-mail provider signs its bounces: without the signature everyone gets 400.
    ("api/v1/billing/email/bounce/", "post"): ("/api/v1/billing/email/bounce/", {"id": "evt_x"}, (400,) * 7),
    # Nobody reported the world's request unreachable: its homeowner gets 409.
    ("api/v1/quote-requests/<int:pk>/confirm/", "post"): (
        "/api/v1/quote-requests/{request}/confirm/",
        None,
        (401, 409, 404, 403, 403, 403, 403),
    ),
    # The world's pro has no credit to refund: staff get 409 nothing_to_refund.
    ("api/v1/staff/billing/pros/<int:pk>/wallet-refund/", "post"): (
        "/api/v1/staff/billing/pros/{pro}/wallet-refund/",
        {"reason": "Leaving the marketplace."},
        (401, 403, 403, 403, 403, 409, 404),
    ),
    ("api/v1/staff/billing/credits/by-reason/", "get"): ("/api/v1/staff/billing/credits/by-reason/", None, STAFF),
    # Staff credit a paid lead once: the first staff call grants it; another marketplace's staff 404.
    ("api/v1/staff/billing/charges/<int:pk>/credit/", "post"): (
        "/api/v1/staff/billing/charges/{charge}/credit/",
        {"reason": "goodwill", "memo": "Checked with the homeowner."},
        (401, 403, 403, 403, 403, 201, 404),
    ),
    ("api/v1/pro/wallet/entries/", "get"): ("/api/v1/pro/wallet/entries/", None, PROS),
    ("api/v1/pro/wallet/top-ups/", "get"): ("/api/v1/pro/wallet/top-ups/", None, PROS),
    ("api/v1/pro/wallet/top-ups/(?P<pk>[^/.]+)/", "get"): (
        "/api/v1/pro/wallet/top-ups/{top_up}/",
        None,
        PRO_OBJECT,
    ),
    # The world's marketplace charges a card per lead: buying credits is 409 for its pros.
    ("api/v1/pro/wallet/top-ups/", "post"): (
        "/api/v1/pro/wallet/top-ups/",
        {"amount": 5000},
        (401, 403, 403, 409, 409, 403, 403),
    ),
    # The local gateway's test-mode stand-in for the provider's SDK: the client secret is the
    # credential, so no role reaches an intent without it.
    ("api/v1/billing/test-mode/setup-intents/confirm/", "post"): (
        "/api/v1/billing/test-mode/setup-intents/confirm/",
        {"client_secret": "lseti_unknown_secret_x", "payment_method": "pm_card_visa"},
        (404,) * 7,
    ),
    ("api/v1/billing/test-mode/payment-intents/confirm/", "post"): (
        "/api/v1/billing/test-mode/payment-intents/confirm/",
        {"client_secret": "lp_unknown_secret_x"},
        (404,) * 7,
    ),
    ("api/v1/pro/billing/charges/", "get"): ("/api/v1/pro/billing/charges/", None, PROS),
    ("api/v1/pro/billing/statement.csv", "get"): ("/api/v1/pro/billing/statement.csv", None, PROS),
    ("api/v1/pro/leads/export.csv", "get"): ("/api/v1/pro/leads/export.csv", None, PROS),
    ("api/v1/pro/connections/", "get"): ("/api/v1/pro/connections/", None, PROS),
    ("api/v1/pro/connections/export.csv", "get"): ("/api/v1/pro/connections/export.csv", None, PROS),
    ("api/v1/staff/connections/", "get"): ("/api/v1/staff/connections/", None, STAFF),
    ("api/v1/staff/connections/export.csv", "get"): ("/api/v1/staff/connections/export.csv", None, STAFF),
    ("api/v1/staff/pros/<int:pk>/connections/", "get"): ("/api/v1/staff/pros/{pro}/connections/", None, STAFF_OBJECT),
    ("api/v1/staff/pros/<int:pk>/connections/export.csv", "get"): (
        "/api/v1/staff/pros/{pro}/connections/export.csv",
        None,
        STAFF_OBJECT,
    ),
    ("api/v1/pro/stats/", "get"): ("/api/v1/pro/stats/", None, PROS),
    ("api/v1/pro/leads/<int:pk>/dispute/", "post"): (
        "/api/v1/pro/leads/{charged_lead}/dispute/",
        {"reason": "fake_contact", "details": "Dead number."},
        (401, 403, 403, 201, 404, 403, 403),
    ),
    ("api/v1/pro/billing/disputes/", "get"): ("/api/v1/pro/billing/disputes/", None, PROS),
    ("api/v1/pro/billing/disputes/(?P<pk>[^/.]+)/", "get"): (
        "/api/v1/pro/billing/disputes/{dispute}/",
        None,
        PRO_OBJECT,
    ),
    ("api/v1/pro/billing/refunds/", "get"): ("/api/v1/pro/billing/refunds/", None, PROS),
    # Every gateway saves cards (the local one in test mode): pro members get a SetupIntent.
    ("api/v1/pro/billing/setup-intent/", "post"): (
        "/api/v1/pro/billing/setup-intent/",
        {},
        (401, 403, 403, 201, 201, 403, 403),
    ),
    # Push devices and notification preferences are the signed-in user's own, whatever its role.
    ("api/v1/me/devices/", "get"): ("/api/v1/me/devices/", None, AUTHENTICATED),
    ("api/v1/me/devices/", "post"): (
        "/api/v1/me/devices/",
        lambda w, r: {"platform": "android", "token": f"matrix-{r}-" + "t" * 40},
        (401,) + (201,) * 6,
    ),
    ("api/v1/me/devices/(?P<pk>[^/.]+)/", "delete"): (
        "/api/v1/me/devices/{device}/",
        None,
        (401, 404, 404, 204, 404, 404, 404),
    ),
    ("api/v1/me/notification-preferences/", "get"): ("/api/v1/me/notification-preferences/", None, AUTHENTICATED),
    ("api/v1/me/notification-preferences/", "patch"): (
        "/api/v1/me/notification-preferences/",
        {"every_lead_at_once": True},
        AUTHENTICATED,
    ),
    ("api/v1/pro/working-hours/", "get"): ("/api/v1/pro/working-hours/", None, PROS),
    ("api/v1/pro/working-hours/", "put"): (
        "/api/v1/pro/working-hours/",
        {"hours": [{"weekday": 0, "start": "09:00", "end": "17:00"}]},
        PROS,
    ),
    ("api/v1/pro/vacations/", "get"): ("/api/v1/pro/vacations/", None, PROS),
    ("api/v1/pro/vacations/", "post"): (
        "/api/v1/pro/vacations/",
        {"start_date": "2027-01-04", "end_date": "2027-01-08"},
        (401, 403, 403, 201, 201, 403, 403),
    ),
    ("api/v1/pro/vacations/(?P<pk>[^/.]+)/", "delete"): (
        "/api/v1/pro/vacations/{vacation}/",
        None,
        (401, 403, 403, 204, 404, 403, 403),
    ),
    # The provider's webhook: no user, no marketplace header needed; an unsigned call is refused.
    ("api/v1/billing/stripe/webhook/", "post"): ("/api/v1/billing/stripe/webhook/", {"id": "evt_x"}, (400,) * 7),
}


def api_routes() -> set[tuple[str, str]]:
    found = set()
    for route, entry in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or "(?P<format>" in route:
            continue
        view_class = _view_class(entry)
        found.update((route, method) for method in _methods(entry, view_class))
    return found


def test_the_matrix_covers_every_api_route():
    routes = api_routes()
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert (missing, stale) == ([], []), "add new /api/v1/ routes to MATRIX (and drop removed ones)"


def test_every_row_names_a_status_for_every_role():
    assert {len(statuses) for _, _, statuses in MATRIX.values()} == {len(ROLES)}


def _links(world) -> dict[str, str]:
    """The signed tracked-link tokens of the world's member pro."""
    pro = world.objects["pro"]
    return {
        f"{kind}_link": tracked_link_token(marketplace_id=pro.marketplace_id, pro_id=pro.pk, kind=kind)
        for kind in ("website", "phone")
    }


# A mutation succeeds for at most its owner: try everyone else first so the owner's
# success (a cancel, an accept, a delete) cannot change what the others see.
ORDER = ["anonymous", "foreign_staff", "other_homeowner", "other_pro", "staff", "homeowner", "pro"]


@pytest.mark.parametrize("key", sorted(MATRIX), ids=[f"{m.upper()} {r}" for r, m in sorted(MATRIX)])
def test_each_role_gets_the_status_the_matrix_names(key, world, role_client):
    _route, method = key
    template, body, statuses = MATRIX[key]
    expected = dict(zip(ROLES, statuses, strict=True))
    url = template.format(**world.ids(), **_links(world))
    got = {}
    for role in sorted(ROLES, key=ORDER.index):
        payload = body(world, role) if callable(body) else body
        client = role_client(role)
        response = (
            getattr(client, method)(url, payload, format="json")
            if payload is not None
            else getattr(client, method)(url)
        )
        got[role] = response.status_code
    assert got == expected


# Lists answer 200 to everyone of the right role: what matters is whose rows are in them.
LIST_LEAKS = [
    ("other_homeowner", "/api/v1/quote-requests/", "request"),
    ("other_pro", "/api/v1/pro/leads/", "lead"),
    ("other_pro", "/api/v1/pro/services/", "service"),
    ("foreign_staff", "/api/v1/staff/pros/", "pro"),
    ("foreign_staff", "/api/v1/pros/", "pro"),
    ("foreign_staff", "/api/v1/categories/", "category"),
]


@pytest.mark.parametrize(("role", "url", "owned"), LIST_LEAKS, ids=[f"{r} {u}" for r, u, _ in LIST_LEAKS])
def test_lists_never_show_another_users_or_marketplaces_rows(role, url, owned, world, role_client):
    response = role_client(role).get(url)
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert world.objects[owned].pk not in ids
    owner = {"request": "homeowner", "lead": "pro", "service": "pro"}.get(owned, "staff")
    own_view = role_client(owner).get(url)
    assert world.objects[owned].pk in {row["id"] for row in own_view.json()["results"]}, "the owner sees it"


@pytest.mark.parametrize("key", sorted({(r, "options") for r, _ in MATRIX}), ids=lambda k: f"OPTIONS {k[0]}")
def test_options_on_every_route_is_never_a_server_error(key, world, role_client):
    """Browsers and fuzzers send OPTIONS; DRF's metadata needs the view's serializer (found by schemathesis)."""
    route, _ = key
    template = next(t for (r, _m), (t, _b, _s) in MATRIX.items() if r == route)
    url = template.format(**world.ids(), **_links(world))
    for role in ROLES:
        assert role_client(role).options(url).status_code < 500, f"OPTIONS {url} as {role}"


def test_another_marketplaces_token_is_refused_on_every_authenticated_route(world, api_client):
    """Formosa's staff token sent to maple: 401 everywhere an anonymous caller gets 401."""
    client = api_client(world.marketplace, world.users["foreign_staff"])
    refused = {}
    for (_route, method), (template, body, statuses) in sorted(MATRIX.items()):
        if statuses[ROLES.index("anonymous")] != 401:
            continue
        url = template.format(**world.ids(), **_links(world))
        payload = body(world, "foreign_staff") if callable(body) else body
        call = getattr(client, method)
        refused[f"{method.upper()} {url}"] = (
            call(url, payload, format="json") if payload is not None else call(url)
        ).status_code
    assert refused and set(refused.values()) == {401}, {k: v for k, v in refused.items() if v != 401}
