"""Schemathesis runs every operation of the generated OpenAPI schema, in process, as each role.

Checks: no 5xx; every response's status is declared for its operation (status_code_conformance),
its content type and body match the schema, and an error's code is one the operation declares
for that status (``x-error-codes``: an undeclared status or code is a failure). ``make test`` runs
a few examples per operation and role (``FUZZ_EXAMPLES``, default 3); ``make fuzz`` many more.
Half of the examples aim at real rows of the marketplace (so bodies reach the services), the
others keep the generated ids (so junk ids are tried too).
"""

import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.tracked_links import tracked_link_token
from marketplace.wsgi import application
from tests.proof.conftest import access_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# make fuzz (FUZZ_FULL=1) adds schemathesis' coverage phase: every boundary value the schema defines.
FULL = os.environ.get("FUZZ_FULL") == "1"
FUZZ_ROLES = ["anonymous", "homeowner", "pro", "staff"]


@schemathesis.check
def error_code_conformance(ctx, response, case) -> None:
    """An error answers a code its operation declares for that status."""
    if response.status_code < 400:
        return
    declared = case.operation.definition.raw["responses"].get(str(response.status_code), {}).get("x-error-codes", [])
    code = (response.json().get("error") or {}).get("code")
    if code not in declared:
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code} `{code}`; it declares {declared or 'none'}"
        )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_code_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.phases.coverage.enabled = FULL

# Path prefix → the world object a real id is taken from.
REAL_IDS = [
    ("/api/v1/categories/", "category"),
    ("/api/v1/pros/", "pro"),
    ("/api/v1/staff/pros/", "pro"),
    ("/api/v1/pro/services/", "service"),
    ("/api/v1/quote-requests/", "request"),
    ("/api/v1/pro/leads/", "lead"),
]


def _aim_at_real_rows(case, world) -> None:
    if not case.path_parameters or zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2:
        return
    if case.path.startswith("/api/v1/links/"):  # a real signed link of the member pro
        kind = case.path.split("/")[4]
        case.path_parameters["token"] = tracked_link_token(
            marketplace_id=world.marketplace.pk, pro_id=world.objects["pro"].pk, kind=kind
        )
        return
    for prefix, name in REAL_IDS:
        if case.path.startswith(prefix):
            for key in case.path_parameters:
                case.path_parameters[key] = world.objects[name].pk
            return


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app fires request_started/finished, which would close the test's
    database connection (and its transaction); Django's own test client unhooks them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_test_connection")
@pytest.mark.parametrize("role", FUZZ_ROLES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 10,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_breaks_its_schema(case, role, world):
    headers = {"X-Marketplace": world.marketplace.slug}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {access_token(world.users[role])}"
    _aim_at_real_rows(case, world)
    case.call_and_validate(headers=headers, checks=CHECKS)
