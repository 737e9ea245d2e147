"""The dashboard index and the revenue views: local periods, totals, breakdowns, money format."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from console.dashboard import dashboard_for
from console.formatting import money_text
from console.revenue import revenue_breakdown
from tests.console.conftest import ledger, login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (15000, "TWD", "NT$150.00"),
        (3000, "CAD", "C$30.00"),
        (123456789, "CAD", "C$1,234,567.89"),
        (-2500, "CAD", "-C$25.00"),
        (1234, "JPY", "¥1,234"),
        (0, "TWD", "NT$0.00"),
    ],
)
def test_money_reads_in_major_units_with_the_symbol(amount, currency, text):
    assert money_text(amount, currency) == text


def test_the_dashboard_counts_in_local_days_and_links_to_the_rows(client, maple):
    login(client, maple.staff)
    page = client.get("/admin/")
    html = page.content.decode()
    assert 'id="console-dashboard"' in html
    data = page.context["dashboard"]
    today = data["activity"][0]
    assert today["expired"] == 1 and today["answered"] == 1
    assert data["expiring"]["count"] == 1  # the pending lead due in two hours
    assert data["disputes"]["open"] == 1
    assert data["standing"]["at_risk"] == 1
    assert data["failures"]["email"] == 1
    month = data["revenue"][2]
    assert month["charged"] == "C$200.00" and month["refunded"] == "C$20.00" and month["net"] == "C$180.00"
    # The "expired today" number links to the lead list showing exactly that lead.
    expired_list = client.get(today["expired_url"]).content.decode()
    assert f"/admin/leads/lead/{maple.objects['expired'].pk}/change/" in expired_list
    assert f"/admin/leads/lead/{maple.objects['pending'].pk}/change/" not in expired_list
    expiring_list = client.get(data["expiring"]["url"]).content.decode()
    assert f"/admin/leads/lead/{maple.objects['pending'].pk}/change/" in expiring_list
    assert "<svg" in html  # the charts


def test_revenue_compares_with_the_previous_period(maple):
    marketplace = maple.marketplace
    tz = ZoneInfo(marketplace.time_zone)
    now = dt.datetime(2026, 11, 18, 12, 0, tzinfo=tz)  # a Wednesday
    pro, lead = maple.objects["pro"], maple.objects["charged"]
    ledger(marketplace, pro, lead, "charge", 5000, when=dt.datetime(2026, 11, 10, 9, 0, tzinfo=tz))  # last week
    ledger(marketplace, pro, lead, "charge", 7000, when=dt.datetime(2026, 11, 17, 0, 30, tzinfo=tz))  # this week
    # 23:30 on Sunday in Toronto is Monday in UTC: it belongs to last week here.
    ledger(marketplace, pro, lead, "charge", 1100, when=dt.datetime(2026, 11, 15, 23, 30, tzinfo=tz))
    data = dashboard_for(marketplace=marketplace, now=now)
    week = data["revenue"][1]
    assert week["charged"] == "C$70.00" and week["previous_charged"] == "C$61.00"
    assert week["net_change"] == "+15%"


def test_ledger_totals_cover_the_filtered_rows(client, formosa):
    login(client, formosa.staff)
    page = client.get("/admin/billing/ledgerentry/").content.decode()
    totals = re.search(r'<table class="console-totals" id="changelist-totals".*?</table>', page, re.S).group(0)
    assert "NT$200.00" in totals and "NT$20.00" in totals and "NT$180.00" in totals
    refunds_only = client.get("/admin/billing/ledgerentry/", {"kind__exact": "refund"}).content.decode()
    totals = re.search(r'id="changelist-totals".*?</table>', refunds_only, re.S).group(0)
    assert "NT$0.00" in totals and "NT$20.00" in totals
    charges = client.get("/admin/billing/charge/").content.decode()
    assert 'id="changelist-totals"' in charges and "NT$200.00" in charges


def test_revenue_per_category_and_week(client, maple, formosa):
    marketplace = maple.marketplace
    tz = ZoneInfo(marketplace.time_zone)
    today = timezone.now().astimezone(tz).date()
    data = revenue_breakdown(marketplace=marketplace, start=today - dt.timedelta(days=13), end=today)
    assert [row["name"] for row in data["categories"]] == ["Plumbing MAPLEMARK"]
    assert data["total"] == {"charged": 20000, "refunded": 2000, "net": 18000, "count": 3}
    assert sum(week["net"] for week in data["week_totals"]) == 18000
    login(client, maple.staff)
    page = client.get("/admin/billing/ledgerentry/revenue/", {"weeks": "2"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Plumbing MAPLEMARK" in html and "C$180.00" in html and "FORMOSAMARK" not in html


def test_pro_balances_per_period_in_major_units(client, formosa):
    login(client, formosa.staff)
    html = client.get("/admin/billing/probalance/").content.decode()
    assert "NT$200.00" in html and "NT$180.00" in html
    last_month = client.get("/admin/billing/probalance/", {"period": "last_month"}).content.decode()
    assert "NT$0.00" in last_month
