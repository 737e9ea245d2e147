"""The structure other code leans on: domain errors free of HTTP, one status table, typed
hooks registered at start-up, and the import contracts (layers, no DRF in domain code)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from billing.hooks import pending_charge_finish
from connections import receivers as connection_receivers
from connections.models import ConnectionEvent
from leads import hooks as lead_hooks
from leads.models import Lead
from leads.selectors import reviewable_jobs as leads_reviewable_jobs
from leads.services.accept import accept_charge_process
from leads.services.lifecycle import lead_reject
from marketplace import errors
from marketplace.api.errors import STATUS_BY_ERROR, domain_error_response, status_for
from marketplace.hooks import Event, Provider, pro_business_create, provider
from pros.hooks import reviewable_jobs
from pros.services import pro_business_create as pros_pro_business_create
from ranking import dirty as ranking_dirty
from tests.factories import LeadFactory, QuoteRequestFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("error_class", "status"),
    [
        (errors.Invalid, 400),
        (errors.NotAuthenticated, 401),
        (errors.PaymentRequired, 402),
        (errors.Forbidden, 403),
        (errors.NotFound, 404),
        (errors.Conflict, 409),
        (errors.Unprocessable, 422),
        (errors.Unavailable, 503),
        (errors.DomainError, 400),
    ],
)
def test_each_domain_error_class_answers_one_status_from_the_one_table(error_class, status):
    assert STATUS_BY_ERROR[error_class] == status
    assert status_for(error_class("some_code", "Some message.")) == status


def test_a_subclass_answers_its_nearest_listed_parents_status():
    class RequestFilled(errors.Conflict):
        default_code = "request_filled"

    error = RequestFilled()
    assert status_for(error) == 409 and error.code == "request_filled"


def test_a_domain_error_becomes_the_one_error_shape_with_fields_extra_and_retry_after():
    error = errors.Unavailable("payment_provider_unavailable", "Retry shortly.", extra={"hint": 1}, retry_after=30)
    response = domain_error_response(error)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.data == {
        "error": {"code": "payment_provider_unavailable", "message": "Retry shortly.", "fields": {}, "hint": 1}
    }
    invalid = domain_error_response(errors.Invalid(fields={"rating": ["1 to 5."]}))
    assert invalid.status_code == 400 and not invalid.has_header("Retry-After")
    assert invalid.data["error"] == {
        "code": "invalid",
        "message": "The request has invalid fields.",
        "fields": {"rating": ["1 to 5."]},
    }


def test_the_domain_error_module_imports_nothing_from_drf_or_django_http():
    source = (ROOT / "marketplace" / "errors.py").read_text()
    assert "rest_framework" not in source and "django.http" not in source and "status_code" not in source


def test_an_event_calls_its_receivers_in_order_once_each_and_lets_their_errors_through():
    event: Event[int] = Event("test.numbers")
    seen: list[tuple[str, int]] = []

    def first(payload: int) -> None:
        seen.append(("first", payload))

    def second(payload: int) -> None:
        seen.append(("second", payload))

    event.connect(first)
    event.connect(second)
    event.connect(first)  # connecting again changes nothing
    event.send(7)
    assert seen == [("first", 7), ("second", 7)]

    def broken(payload: int) -> None:
        raise RuntimeError("receiver failed")

    event.connect(broken)
    with pytest.raises(RuntimeError, match="receiver failed"):
        event.send(8)
    event.disconnect(broken)
    event.send(9)
    assert seen[-1] == ("second", 9)


def test_a_provider_without_an_implementation_is_a_configuration_error_not_a_silent_no_op():
    from django.core.exceptions import ImproperlyConfigured

    @provider
    def answer(*, question: str) -> int:
        """The answer."""
        raise NotImplementedError

    assert isinstance(answer, Provider) and not answer.registered
    with pytest.raises(ImproperlyConfigured):
        answer(question="?")
    answer.register(lambda *, question: len(question))
    assert answer(question="four") == 4
    with pytest.raises(ImproperlyConfigured):
        answer.register(lambda *, question: 0)


def test_every_hook_is_wired_at_start_up_by_the_app_above_it():
    assert pro_business_create._implementation is pros_pro_business_create
    assert reviewable_jobs._implementation is leads_reviewable_jobs
    assert pending_charge_finish._implementation is accept_charge_process
    assert connection_receivers.lead_offered_record in lead_hooks.lead_offered.receivers
    assert connection_receivers.lead_answered_record in lead_hooks.lead_answered.receivers
    assert ranking_dirty.lead_answered_mark in lead_hooks.lead_answered.receivers


@pytest.mark.django_db
def test_a_receiver_runs_inside_the_leads_transaction_so_its_failure_rolls_the_reject_back(marketplace):
    user = UserFactory(marketplace=marketplace, role="pro")
    lead = LeadFactory(marketplace=marketplace, request=QuoteRequestFactory(marketplace=marketplace), pro=user.pro)

    def refuse(event: lead_hooks.LeadAnswered) -> None:
        raise RuntimeError("subscriber down")

    lead_hooks.lead_answered.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            lead_reject(lead_id=lead.pk, pro=user.pro, reason="too far")
    finally:
        lead_hooks.lead_answered.disconnect(refuse)
    assert Lead.objects.get(pk=lead.pk).status == "pending"
    assert not ConnectionEvent.objects.filter(lead=lead).exists()

    with transaction.atomic():
        lead_reject(lead_id=lead.pk, pro=user.pro, reason="too far")
    assert Lead.objects.get(pk=lead.pk).status == "rejected"
    assert ConnectionEvent.objects.filter(lead=lead, kind="exposure").count() == 1


def test_the_import_contracts_hold_layers_one_way_and_no_drf_in_domain_code():
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
