"""The Django admin in a real headless Chromium (Debian's package, driven by Playwright).

Maple's staff logs in, sees only maple's pros and leads (formosa's are in the same database),
approves a pro's dispute with the "approve and refund" action, and runs the ranking
recompute action. Screenshots go to ``var/test-artifacts/``. Skipped, saying why, where
``/usr/bin/chromium`` is missing (CI installs it: ``apt-get install chromium``).
"""

from pathlib import Path

import pytest

from billing.models import LeadDispute, LedgerEntry, Refund
from connections.models import ConnectionKind
from connections.tasks import connections_rollup
from ranking.models import ProStanding
from tests.factories import ConnectionEventFactory, LeadFactory, ProFactory, QuoteRequestFactory, UserFactory
from tests.proof.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium here (apt-get install chromium); CI has it"),
]


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        # Chromium reports every Content-Security-Policy refusal on the console: collect them,
        # and a test that walked the admin or the docs asserts there were none.
        page.csp_violations = []
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and page.csp_violations.append(message.text),
        )
        try:
            yield page
        finally:
            browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


def _change_links(page, app_model: str, pk: int) -> int:
    return page.locator(f'a[href$="/admin/{app_model}/{pk}/change/"]').count()


def _run_action(page, action: str, pks: list[int]) -> None:
    for pk in pks:
        page.check(f'input[name="_selected_action"][value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')
    page.wait_for_load_state()


def test_staff_see_only_their_marketplace_approve_a_dispute_and_recompute_ranks(
    world, role_client, live_server, browser_page
):
    page = browser_page
    other = world.other_marketplace
    foreign_pro = ProFactory(marketplace=other, name="Formosa Water Works")
    foreign_lead = LeadFactory(
        marketplace=other,
        pro=foreign_pro,
        request=QuoteRequestFactory(
            marketplace=other, postal_code="106", area="106", homeowner=UserFactory(marketplace=other)
        ),
    )

    pro_client = role_client("pro")
    lead = world.objects["lead"]
    assert pro_client.post(f"/api/v1/pro/leads/{lead.pk}/accept/", {"message": "Hi"}, format="json").status_code == 200
    opened = pro_client.post(
        f"/api/v1/pro/leads/{lead.pk}/dispute/",
        {"reason": "fake_contact", "details": "The number is not in service."},
        format="json",
    )
    assert opened.status_code == 201, opened.content[:300]
    dispute = LeadDispute.objects.get(lead=lead)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill('input[name="username"]', world.users["staff"].email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")
    _shot(page, "1-home")

    page.goto(f"{live_server.url}/admin/pros/pro/")
    _shot(page, "2-pros")
    assert _change_links(page, "pros/pro", world.objects["pro"].pk) == 1
    assert _change_links(page, "pros/pro", world.objects["other_pro"].pk) == 1
    assert _change_links(page, "pros/pro", foreign_pro.pk) == 0
    assert "Formosa Water Works" not in page.content()

    page.goto(f"{live_server.url}/admin/leads/lead/")
    _shot(page, "3-leads")
    assert _change_links(page, "leads/lead", lead.pk) == 1
    assert _change_links(page, "leads/lead", foreign_lead.pk) == 0
    page.goto(f"{live_server.url}/admin/leads/lead/{foreign_lead.pk}/change/")
    assert "doesn’t exist" in page.content() or page.url.endswith("/admin/")  # not hers: not found

    page.goto(f"{live_server.url}/admin/billing/leaddispute/")
    _run_action(page, "approve_and_refund", [dispute.pk])
    # A money action asks first, showing the fee and what is left to refund (issue #19).
    assert "C$25.00" in page.inner_text("#confirm-rows")
    page.click('input[name="confirm"]')
    page.wait_for_load_state()
    _shot(page, "4-dispute-approved")
    assert "1 dispute decided." in page.content()
    dispute.refresh_from_db()
    assert dispute.status == "approved"
    refund = Refund.objects.get(charge=dispute.charge)
    assert refund.amount == dispute.charge.amount == 2500
    entries = sorted(LedgerEntry.objects.filter(lead=lead).values_list("kind", "amount"))
    assert entries == [("charge", 2500), ("refund", 2500)]

    page.goto(f"{live_server.url}/admin/ranking/proranking/")
    _run_action(page, "recompute_now", [world.objects["pro"].pk])
    _shot(page, "5-recomputed")
    assert "recomputed" in page.content()
    assert ProStanding.objects.filter(pro=world.objects["pro"]).exists()
    assert not ProStanding.objects.filter(pro=foreign_pro).exists()
    assert all(
        (ARTIFACTS / f"admin-{n}.png").stat().st_size > 0
        for n in ("1-home", "2-pros", "3-leads", "4-dispute-approved", "5-recomputed")
    )
    assert page.csp_violations == []


def test_the_connections_chart_and_the_api_docs_work_under_the_content_security_policy(
    world, live_server, browser_page
):
    """Issue 12, item 11: the admin (its connections chart page included) and Swagger UI run
    with the CSP on: no refusal on the console, and the pages render their content."""
    page = browser_page
    ConnectionEventFactory(marketplace=world.marketplace, pro=world.objects["pro"], kind=ConnectionKind.PHONE_CLICK)
    connections_rollup()

    response = page.goto(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill('input[name="username"]', world.users["staff"].email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/connections/connectiondaily/overview/?days=30")
    page.wait_for_selector(".connections-chart svg")
    _shot(page, "6-connections-chart")
    assert world.objects["pro"].name in page.content()

    # A changelist with its date hierarchy, filters and the actions bar (admin JavaScript runs).
    page.goto(f"{live_server.url}/admin/connections/connectiondaily/")
    page.wait_for_selector("#changelist")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag-section")  # the operations, from /api/schema/
    _shot(page, "7-api-docs")
    assert "Lead marketplace API" in page.inner_text(".swagger-ui .info .title")

    assert page.csp_violations == []
