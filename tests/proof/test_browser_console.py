"""The operator console's "done when" tasks in a real headless Chromium, as staff of maple and
of formosa: change a tier, find today's expired leads, see why a pro is demoted and the leads
behind it, approve a dispute with a note that survives, read last week's revenue by category
in local currency, find a request by phone number, export leads as CSV, edit the ranking
weights. A screenshot per step goes to ``var/test-artifacts/console-<marketplace>-*.png``.
"""

import csv
import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from billing.models import LeadDispute
from console.models import StaffAction
from pros.models import Pro
from ranking.models import ProStanding, RankingPolicy
from tests.console.conftest import build_market, ledger
from tests.factories.marketplace import PASSWORD
from tests.proof.test_browser_admin import CHROMIUM, FLAGS

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium here (apt-get install chromium); CI has it"),
]


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            browser.close()


def _setup(market) -> None:
    """Last week's revenue, a demoted pro with its missed leads."""
    marketplace = market.marketplace
    tz = ZoneInfo(marketplace.time_zone)
    today = timezone.now().astimezone(tz).date()
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    pro, lead = market.objects["pro"], market.objects["charged"]
    ledger(marketplace, pro, lead, "charge", 4500, when=dt.datetime.combine(last_monday, dt.time(10, 0), tzinfo=tz))
    policy = marketplace.policy
    policy.response_rate_demotion_enabled = True
    policy.save()
    Pro.objects.filter(pk=pro.pk).update(demoted=True, demoted_since=timezone.now(), response_rate="0.250")
    ProStanding.objects.filter(pro=pro).update(at_risk=False)


def _shot(page, slug: str, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-{slug}-{name}.png"), full_page=True)


def _select_and_run(page, action: str, pk: int) -> None:
    page.check(f'input[name="_selected_action"][value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')
    page.wait_for_load_state()


@pytest.mark.parametrize("slug", ["maple", "formosa"])
def test_an_operator_runs_a_week_from_the_console(slug, marketplace, other_marketplace, live_server, chromium):
    maple = build_market(marketplace, postal="M5V", phone="+1 (416) 555-0142")
    formosa = build_market(other_marketplace, postal="106", phone="02-2700-1234")
    market = {"maple": maple, "formosa": formosa}[slug]
    other = formosa if slug == "maple" else maple
    _setup(market)
    symbol = {"CAD": "C$", "TWD": "NT$"}[market.marketplace.currency]
    page, base = chromium, live_server.url
    pro = market.objects["pro"]

    # Log in: the dashboard is the index, in the marketplace's language and time zone.
    page.goto(f"{base}/admin/login/")
    page.fill('input[name="username"]', market.staff.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(f"{base}/admin/")
    assert page.locator("#console-dashboard").is_visible()
    assert market.marketplace.time_zone in page.inner_text("#console-context")
    if slug == "formosa":
        assert page.locator("html").get_attribute("lang") == "zh-hant"
    # The console's own strings in the staff member's language too (#19 item 5).
    assert ("營運主控台" if slug == "formosa" else "Operator console") in page.content()
    assert ("未結申訴" if slug == "formosa" else "Open disputes") in page.locator("#console-dashboard").text_content()
    assert other.marker not in page.content()
    _shot(page, slug, "1-dashboard")

    # Find today's expired leads: the dashboard number opens the filtered list.
    page.click('[data-metric="activity-1"] a.expired-link')
    page.wait_for_load_state()
    assert page.locator(f'a[href*="/admin/leads/lead/{market.objects["expired"].pk}/change/"]').count() >= 1
    assert page.locator(f'a[href*="/admin/leads/lead/{market.objects["pending"].pk}/change/"]').count() == 0
    _shot(page, slug, "2-expired-today")

    # Export these leads as CSV (the filtered list, spreadsheet-safe).
    with page.expect_download() as download_info:
        page.click("a.csv-export")
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0][0] == "lead_id" and [int(row[0]) for row in rows[1:]] == [market.objects["expired"].pk]
    (ARTIFACTS / f"console-{slug}-3-expired-leads.csv").write_text("\n".join(",".join(r) for r in rows))

    # Change a tier.
    page.goto(f"{base}/admin/pros/pro/")
    _select_and_run(page, "make_brand_builder", pro.pk)
    _shot(page, slug, "4-tier-changed")
    assert Pro.objects.get(pk=pro.pk).tier == "brand_builder"
    assert StaffAction.objects.filter(kind="tier_changed", object_id=str(pro.pk), actor=market.staff).exists()

    # See why a pro is demoted, and the leads behind the rate.
    page.goto(f"{base}/admin/ranking/proranking/?demoted__exact=1")
    page.click(f'a[href*="/admin/ranking/proranking/{pro.pk}/change/"]')
    page.wait_for_load_state()
    why = page.content()
    if slug == "formosa":
        assert "已回覆 1 件" in why and "應回覆的新案件／媒合案件共 4 件" in why and "已降級" in why
    else:
        assert "Answered 1 of 4" in why and "demoted" in why
    _shot(page, slug, "5-why-demoted")
    # The link beside the figure (the sidebar's model list has a "案件" link of its own).
    page.click(f'a[href*="pro__id__exact={pro.pk}"]:text-is("{"案件" if slug == "formosa" else "leads"}")')
    page.wait_for_load_state()
    assert f"pro__id__exact={pro.pk}" in page.url
    assert page.locator(f'a[href*="/admin/leads/lead/{market.objects["expired"].pk}/change/"]').count() >= 1
    _shot(page, slug, "6-leads-behind-the-rate")

    # Approve a dispute with a note that survives; the confirmation shows the amounts.
    dispute = market.objects["dispute"]
    page.goto(f"{base}/admin/billing/leaddispute/{dispute.pk}/change/")
    page.fill('textarea[name="decision_note"], input[name="decision_note"]', "Number out of service; refunded.")
    page.click('input[name="_save"]')
    page.wait_for_load_state()
    _select_and_run(page, "approve_and_refund", dispute.pk)
    confirm = page.inner_text("#confirm-rows")
    assert f"{symbol}30.00" in confirm
    _shot(page, slug, "7-approve-confirmation")
    page.click('input[name="confirm"]')
    page.wait_for_load_state()
    _shot(page, slug, "8-dispute-approved")
    dispute = LeadDispute.objects.get(pk=dispute.pk)
    assert dispute.status == "approved" and dispute.decision_note == "Number out of service; refunded."

    # Read last week's revenue by category, in local currency.
    page.goto(f"{base}/admin/billing/ledgerentry/revenue/?weeks=2")
    table = page.inner_text("#revenue-by-category")
    assert f"Plumbing {market.marker}" in table and f"{symbol}45.00" in table
    assert other.marker not in page.content()
    _shot(page, slug, "9-revenue-by-category")

    # Find a request by phone number, typed differently from how it was stored.
    typed = "4165550142" if slug == "maple" else "(02) 2700 1234"
    page.goto(f"{base}/admin/leads/quoterequest/")
    page.fill("#searchbar", typed)
    page.press("#searchbar", "Enter")
    page.wait_for_load_state()
    assert page.locator(f'a[href*="/admin/leads/quoterequest/{market.objects["request"].pk}/change/"]').count() == 1
    _shot(page, slug, "10-request-by-phone")

    # Edit the ranking weights (was a 500).
    policy = RankingPolicy.objects.get(marketplace=market.marketplace)
    page.goto(f"{base}/admin/ranking/rankingpolicy/{policy.pk}/change/")
    page.fill('input[name="weight_response_rate"]', "35")
    page.click('input[name="_save"]')
    page.wait_for_load_state()
    _shot(page, slug, "11-weights-saved")
    assert RankingPolicy.objects.get(pk=policy.pk).weight_response_rate == 35
    assert StaffAction.objects.filter(kind="ranking_weights_changed", actor=market.staff).exists()
    assert all(
        (ARTIFACTS / f"console-{slug}-{n}.png").stat().st_size > 0
        for n in ("1-dashboard", "2-expired-today", "5-why-demoted", "7-approve-confirmation", "9-revenue-by-category")
    )
