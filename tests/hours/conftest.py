import pytest

from tests.leads.conftest import category, make_pro, request_body  # noqa: F401 - the leads fixtures


@pytest.fixture(autouse=True)
def _maple_rules(request):
    """As in tests/leads: the maple fixture plays the demo rulebook (matched leads, 25.00)."""
    if "marketplace" not in request.fixturenames:
        return
    policy = request.getfixturevalue("marketplace").policy
    policy.matched_leads_enabled, policy.fee_matched = True, 2500
    policy.save()
