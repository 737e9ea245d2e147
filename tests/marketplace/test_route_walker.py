"""Every /api/v1/ route that names an object answers 404 for another marketplace's object.

The walker needs nothing per endpoint: it reads each route's view, finds the tenant model it
serves, makes one of those rows in another marketplace with the model's factory, and tries
every method as each role of this marketplace. A new endpoint is covered the day it lands;
one whose model cannot be found, or has no factory, fails this test until it is declared.
"""

import inspect
import re

import factory
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

import tests.factories as factories_package
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
METHODS = ["get", "post", "put", "patch", "delete"]


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _pattern_text(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _pattern_text(entry.pattern), entry


def _pattern_text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    return pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")


_PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def detail_routes():
    for route, entry in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX) or "format" in route:
            continue
        names = [a or b for a, b in _PLACEHOLDER.findall(route)]
        if names:
            yield route, entry, names


def _view_class(entry):
    callback = entry.callback
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def _methods(entry, view_class):
    actions = getattr(entry.callback, "actions", None)
    if actions:
        return [m for m in METHODS if m in actions]
    return [m for m in METHODS if hasattr(view_class, m)]


def _tenant_model(view_class):
    model = getattr(view_class, "tenant_model", None)
    queryset = getattr(view_class, "queryset", None)
    return model or (queryset.model if queryset is not None else None)


def _factories_by_model():
    found = {}
    for module in [factories_package, *vars(factories_package).values()]:
        for obj in vars(module).values() if inspect.ismodule(module) else []:
            if inspect.isclass(obj) and issubclass(obj, factory.django.DjangoModelFactory) and obj._meta.model:
                found.setdefault(obj._meta.model, obj)
    return found


def probe_route(route, entry, api_client, marketplace, other_marketplace) -> list[str]:
    """Problems found when this marketplace's users aim the route at another marketplace's row."""
    view_class = _view_class(entry)
    model = _tenant_model(view_class)
    if model is None:
        return [f"{route}: declare `queryset` or `tenant_model` on {view_class.__name__}"]
    model_factory = _factories_by_model().get(model)
    if model_factory is None:
        return [f"{route}: add a factory for {model.__name__} in tests/factories/"]

    foreign = model_factory(marketplace=other_marketplace)
    url = "/" + _PLACEHOLDER.sub(lambda m: str(foreign.pk), route)
    users = [
        UserFactory(marketplace=marketplace, role="homeowner"),
        UserFactory(marketplace=marketplace, role="pro"),
        UserFactory(marketplace=marketplace, role="staff"),
    ]
    problems, seen = [], {}
    for user in users:
        client = api_client(marketplace, user)
        for method in _methods(entry, view_class):
            status = getattr(client, method)(url, {}, format="json").status_code
            seen[(user.role, method)] = status
            if status < 400 or status >= 500:
                problems.append(
                    f"{method.upper()} {url} as {user.role} -> {status} ({model.__name__} of another marketplace)"
                )
    if 404 not in seen.values():
        problems.append(f"{url}: no role got 404, only {seen}")
    return problems


ROUTES = sorted(detail_routes(), key=lambda r: r[0])


def test_the_walker_finds_the_detail_routes():
    assert len(ROUTES) >= 5, f"only {len(ROUTES)} /api/v1/ detail routes found: is the walker reading the URLconf?"


@pytest.mark.parametrize(("route", "entry", "names"), ROUTES, ids=[r[0] for r in ROUTES])
def test_another_marketplaces_object_is_404_for_every_role(
    route, entry, names, api_client, marketplace, other_marketplace
):
    assert probe_route(route, entry, api_client, marketplace, other_marketplace) == []


@pytest.mark.urls("tests.marketplace.walker_urls")
def test_the_walker_catches_an_unscoped_endpoint_and_passes_a_scoped_one(api_client, marketplace, other_marketplace):
    routes = {route: entry for route, entry, _ in detail_routes()}
    leaky = probe_route(
        "api/v1/leaky/<int:pk>/", routes["api/v1/leaky/<int:pk>/"], api_client, marketplace, other_marketplace
    )
    scoped = probe_route(
        "api/v1/scoped/<int:pk>/", routes["api/v1/scoped/<int:pk>/"], api_client, marketplace, other_marketplace
    )
    assert any("-> 200" in problem for problem in leaky)
    assert scoped == []
