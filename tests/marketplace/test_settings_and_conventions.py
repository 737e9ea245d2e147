import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 60 + "-production-secret-for-the-deploy-check",
    "ALLOWED_HOSTS": "api.example.com",
    "DATABASE_URL": "postgres://app@db.example.com:5432/app",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "PAYMENT_GATEWAY": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_for_the_settings_probe",
    "STRIPE_WEBHOOK_SECRET": "whsec_for_the_settings_probe",
    "PATH": os.environ["PATH"],
}


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DEBUG": "true"}, "DEBUG must stay off"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        # Fails closed (issue 12, item 10): no shared cache and broker, a gateway that charges
        # nothing, any host, the development or a weak secret.
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"REDIS_URL": None, "CELERY_BROKER_URL": "redis://broker.example.com:6379/0"}, "shared cache"),
        ({"REDIS_URL": None, "CACHE_URL": "redis://cache.example.com:6379/0"}, "real Celery broker"),
        ({"REDIS_URL": None, "CACHE_URL": "locmemcache://", "CELERY_BROKER_URL": "redis://b:6379/0"}, "shared cache"),
        ({"CELERY_BROKER_URL": "filesystem://"}, "real Celery broker"),
        ({"PAYMENT_GATEWAY": "local"}, "ALLOW_LOCAL_GATEWAY"),
        ({"PAYMENT_GATEWAY": None}, "ALLOW_LOCAL_GATEWAY"),
        ({"PAYMENT_GATEWAY": "local", "ALLOW_LOCAL_GATEWAY": "false"}, "ALLOW_LOCAL_GATEWAY"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "api.example.com,*"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "dev-only-insecure-key-change-me-0123456789abcdef"}, "SECRET_KEY is the development key"),
        ({"SECRET_KEY": "short-secret"}, "SECRET_KEY is the development key or too weak"),
        ({"JWT_SIGNING_KEY": "dev-only-insecure-key-change-me-0123456789abcdef"}, "JWT_SIGNING_KEY"),
    ],
)
def test_production_refuses_to_start_unsafely(override, complaint):
    env = {k: v for k, v in {**PRODUCTION_ENV, **override}.items() if v is not None}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


@pytest.mark.parametrize(
    "override",
    [
        {"PAYMENT_GATEWAY": "local", "ALLOW_LOCAL_GATEWAY": "true"},  # a staging system, said so explicitly
        {
            "REDIS_URL": None,
            "CACHE_URL": "redis://cache.example.com:6379/0",
            "CELERY_BROKER_URL": "redis://broker.example.com:6379/0",
        },
    ],
)
def test_production_starts_with_an_explicit_staging_gateway_or_an_explicit_cache_and_broker(override):
    env = {k: v for k, v in {**PRODUCTION_ENV, **override}.items() if v is not None}
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_default_environment_is_production_so_nothing_unsafe_happens_by_accident():
    env = {"PATH": os.environ["PATH"]}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/register/" in paths and "/api/v1/me/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Swagger UI is served from our own static files (works offline), never from a CDN.
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content and b"cdn." not in docs.content
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_schema_generates_without_warnings():
    env = {**os.environ, "DJANGO_ENV": "development"}
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull, env=env)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.django_db
def test_health_reports_database_and_cache(client):
    response = client.get("/health/?format=json")
    assert response.status_code == 200
    assert all(value == "OK" for value in response.json().values())


@pytest.mark.django_db
def test_health_opened_in_a_browser_renders_its_page(client):
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"<html" in response.content.lower()


@pytest.mark.django_db
def test_unknown_api_paths_are_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


@pytest.mark.django_db
def test_a_wrong_method_is_405_in_the_error_shape(api_client, marketplace):
    response = api_client(marketplace, UserFactory(marketplace=marketplace)).delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_a_client_cannot_dodge_the_login_throttle_with_its_own_forwarded_for_header(api_client, marketplace, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "3/min"},
    }
    client = api_client(marketplace)
    body = {"email": "a@b.test", "password": "x"}
    codes = [
        client.post("/api/v1/auth/token/", body, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]


def test_login_attempts_are_throttled(api_client, marketplace, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "3/min"},
    }
    client = api_client(marketplace)
    codes = [client.post("/api/v1/auth/token/", {"email": "a@b.test", "password": "x"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    throttled = client.post("/api/v1/auth/token/", {"email": "a@b.test", "password": "x"})
    assert throttled.json()["error"]["code"] == "throttled"
    assert "Retry-After" in throttled
