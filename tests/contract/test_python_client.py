"""A Python client generated from openapi.yaml (openapi-python-client) plays the core flow
against a live test server: register, quote request, lead accepted and paid, hire, review.

Every answer is parsed into the generated models, so a response that strays from the schema
(a missing required field, a value outside an enum) fails here as it would in a client app.
"""

import importlib
import subprocess
import sys
import uuid

import pytest

from billing.models import Charge
from tests.contract.tools import ROOT, SCHEMA_FILE
from tests.factories import CategoryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-9876"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The client package, generated into a temporary folder and imported."""
    out = tmp_path_factory.mktemp("pyclient") / "leadmarket_client"
    subprocess.run(  # noqa: S603 - the pinned generator from our own virtualenv
        [
            str(ROOT / ".venv" / "bin" / "openapi-python-client"),
            "generate",
            "--path",
            str(SCHEMA_FILE),
            "--config",
            str(ROOT / "clients" / "openapi-python-client.yaml"),
            "--output-path",
            str(out),
            "--meta",
            "none",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module("leadmarket_client")
    finally:
        sys.path.remove(str(out.parent))


def _api(generated, name: str):
    return importlib.import_module(f"leadmarket_client.api.{name}")


def test_the_generated_python_client_plays_the_core_flow(generated, live_server, marketplace):
    m = importlib.import_module("leadmarket_client.models")
    auth, pros, requests, leads, billing = (
        _api(generated, n) for n in ("auth", "pros", "quote_requests", "leads", "billing")
    )
    policy = marketplace.policy
    policy.fee_new = 2500
    policy.save()
    CategoryFactory(marketplace=marketplace, slug="plumbing", name="Plumbing")
    # The marketplace is set once per client (the `marketplace` security scheme).
    anonymous = generated.Client(base_url=live_server.url, headers={"X-Marketplace": marketplace.slug})

    def signed_in(email: str, role: str):
        registered = importlib.import_module("leadmarket_client.api.auth.auth_register").sync(
            client=anonymous,
            body=m.RegisterInputRequest(
                email=email, password=PASSWORD, name=f"{role.title()} Person", role=m.RegisterInputRoleEnum(role)
            ),
        )
        assert isinstance(registered, m.RegistrationReceived) and registered.email == email
        pair = importlib.import_module("leadmarket_client.api.auth.auth_token").sync(
            client=anonymous, body=m.TokenInputRequest(email=email, password=PASSWORD)
        )
        assert isinstance(pair, m.TokenPair)
        return generated.AuthenticatedClient(
            base_url=live_server.url, token=pair.access, headers={"X-Marketplace": marketplace.slug}
        )

    pro = signed_in("pro@client.test", "pro")
    homeowner = signed_in("owner@client.test", "homeowner")
    me = importlib.import_module("leadmarket_client.api.auth.me_read").sync(client=pro)
    assert isinstance(me.pro, int)

    # The pro serves plumbing in M5V and saves a card.
    profile = importlib.import_module("leadmarket_client.api.pros.pro_profile_update").sync(
        client=pro, body=m.PatchedProProfileInputRequest(areas=["M5V"], description="Licensed plumber since 2009.")
    )
    assert isinstance(profile, m.ProProfileOutput) and profile.areas == ["M5V"]
    service = importlib.import_module("leadmarket_client.api.pros.pro_services_create").sync(
        client=pro, body=m.ServiceInputRequest(category="plumbing", title="Leak repairs")
    )
    assert isinstance(service, m.ServiceOutput)
    card = importlib.import_module("leadmarket_client.api.billing.pro_payment_method_save").sync(
        client=pro, body=m.PaymentMethodInputRequest(token="pm_card_visa")
    )
    assert isinstance(card, m.PaymentMethodOutput)

    # The homeowner finds the pro and asks it for a quote (a profile request).
    listed = importlib.import_module("leadmarket_client.api.pros.pros_list").sync(
        client=anonymous, category="plumbing", postal_code="M5V 3L9"
    )
    assert [row.id for row in listed.results] == [me.pro]
    created = importlib.import_module("leadmarket_client.api.quote_requests.quote_requests_create").sync(
        client=homeowner,
        idempotency_key=str(uuid.uuid4()),
        body=m.QuoteRequestInputRequest(
            category="plumbing",
            postal_code="M5V 3L9",
            description="The kitchen sink leaks under the cabinet.",
            budget_min=10000,
            budget_max=40000,
            contact=m.LeadContactInputRequest(name="Olivia Owner", phone="+1 416 555 0100"),
            pro=me.pro,
        ),
    )
    assert isinstance(created, m.QuoteRequestOutput) and created.source == m.RequestSource.PROFILE

    # The pro sees the lead, its fee, and accepts it: paid, the contact revealed.
    inbox = importlib.import_module("leadmarket_client.api.leads.pro_leads_list").sync(client=pro)
    (lead,) = inbox.results
    assert (lead.status, lead.fee.amount, lead.fee.currency, lead.contact) == (
        m.LeadStatus.PENDING,
        2500,
        "CAD",
        None,
    )
    accept = importlib.import_module("leadmarket_client.api.leads.pro_leads_accept")
    accepted = accept.sync(
        lead.id, client=pro, idempotency_key=str(uuid.uuid4()), body=m.AcceptInputRequest(message="Tomorrow 9am?")
    )
    assert isinstance(accepted, m.LeadOutput) and accepted.status == m.LeadStatus.ACCEPTED
    assert accepted.contact.name == "Olivia Owner"
    charges = importlib.import_module("leadmarket_client.api.billing.pro_charges_list").sync(client=pro)
    assert [(c.amount.amount, c.status) for c in charges.results] == [(2500, m.ChargeStatus.SUCCEEDED)]
    assert Charge.objects.get().amount == 2500

    # Errors are typed: accepting again is a 409 with a code from the ErrorCode enum.
    again = accept.sync_detailed(lead.id, client=pro, body=m.AcceptInputRequest())
    assert again.status_code == 409 and isinstance(again.parsed, m.Error)
    assert again.parsed.error.code == m.ErrorCode.LEAD_NOT_PENDING

    # The homeowner hires the pro and reviews it.
    hired = importlib.import_module("leadmarket_client.api.quote_requests.quote_requests_hire").sync(
        created.id, client=homeowner, body=m.HireInputRequest(pro=me.pro)
    )
    assert hired.hired_pro == me.pro
    review = importlib.import_module("leadmarket_client.api.pros.reviews_create").sync(
        client=homeowner, body=m.ReviewInputRequest(pro=me.pro, rating=5, comment="Fixed in an hour.")
    )
    assert isinstance(review, m.ReviewOutput) and review.rating == 5
    public = importlib.import_module("leadmarket_client.api.pros.pros_read").sync(me.pro, client=anonymous)
    assert public.review_count == 1 and public.reviews[0].comment == "Fixed in an hour."
