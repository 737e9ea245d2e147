"""Audited staff actions (admin history + StaffAction with before/after), lists that work
(search, filters, hidden internal tables, autocomplete) and the CSV export of a filtered list."""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry

from console.models import StaffAction
from leads.models import LeadEvent
from pros.models import Pro
from tests.console.conftest import login
from tests.marketplace.test_admin import _form_data

pytestmark = pytest.mark.django_db


def test_a_tier_change_by_action_is_audited_with_before_and_after(client, maple):
    login(client, maple.staff)
    pro = maple.objects["pro"]
    client.post("/admin/pros/pro/", {"action": "make_brand_builder", "_selected_action": [pro.pk], "index": 0})
    pro.refresh_from_db()
    assert pro.tier == "brand_builder"
    action = StaffAction.objects.filter(kind="tier_changed", object_id=str(pro.pk)).latest("pk")
    assert (action.before, action.after, action.actor) == ({"tier": "basic"}, {"tier": "brand_builder"}, maple.staff)
    entry = LogEntry.objects.filter(object_id=str(pro.pk), user=maple.staff).latest("pk")
    assert "basic → brand_builder" in entry.get_change_message()
    history = client.get(f"/admin/pros/pro/{pro.pk}/history/")
    assert "basic → brand_builder" in history.content.decode()


def test_a_tier_change_on_the_change_page_is_audited(client, formosa):
    login(client, formosa.staff)
    pro = formosa.objects["pro"]
    url = f"/admin/pros/pro/{pro.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, _form_data(page) | {"tier": "brand_builder", "suspended": "on"}).status_code == 302
    kinds = dict(StaffAction.objects.filter(object_id=str(pro.pk)).values_list("kind", "after"))
    assert kinds["tier_changed"] == {"tier": "brand_builder"}
    assert kinds["pro_status_changed"] == {"suspended": True}


def test_staff_expiry_names_the_staff_member_in_the_lead_history(client, maple):
    login(client, maple.staff)
    lead = maple.objects["pending"]
    client.post("/admin/leads/lead/", {"action": "expire_now", "_selected_action": [lead.pk], "index": 0})
    event = LeadEvent.objects.get(lead=lead, to_status="expired")
    assert event.actor == maple.staff  # was None
    audit = StaffAction.objects.get(kind="leads_expired", object_id=str(lead.pk))
    assert (audit.before, audit.after) == ({"status": "pending"}, {"status": "expired"})
    page = client.get(f"/admin/leads/lead/{lead.pk}/change/")
    assert maple.staff.email in page.content.decode()  # the event history inline, with its actor


def test_recomputing_ranks_is_audited(client, maple):
    login(client, maple.staff)
    client.post(
        "/admin/ranking/proranking/",
        {"action": "recompute_now", "_selected_action": [maple.objects["pro"].pk], "index": 0},
    )
    action = StaffAction.objects.get(kind="ranks_recomputed", marketplace=maple.marketplace)
    assert action.actor == maple.staff and "pros" in action.after


def test_a_request_is_found_by_phone_however_it_is_typed(client, maple, formosa):
    login(client, maple.staff)
    request = maple.objects["request"]  # stored as "+1 (416) 555-0142"
    for typed in ("416-555-0142", "4165550142", "+1 416 555 0142", "(416) 555 0142"):
        listing = client.get("/admin/leads/quoterequest/", {"q": typed})
        assert f"/admin/leads/quoterequest/{request.pk}/change/" in listing.content.decode(), typed
    login(client, formosa.staff)
    listing = client.get("/admin/leads/quoterequest/", {"q": "0227001234"})  # stored as "02-2700-1234"
    assert f"/admin/leads/quoterequest/{formosa.objects['request'].pk}/change/" in listing.content.decode()
    assert (
        f"/admin/leads/quoterequest/{request.pk}/change/"
        not in client.get("/admin/leads/quoterequest/", {"q": "416-555-0142"}).content.decode()
    )


def test_a_pro_is_found_by_its_members_email_and_requests_by_postal_code(client, maple):
    login(client, maple.staff)
    pro = maple.objects["pro"]
    listing = client.get("/admin/pros/pro/", {"q": "owner@maple-pro.test"})
    assert f"/admin/pros/pro/{pro.pk}/change/" in listing.content.decode()
    requests = client.get("/admin/leads/quoterequest/", {"q": "home@maple.test"})
    assert f"/admin/leads/quoterequest/{maple.objects['request'].pk}/change/" in requests.content.decode()


def test_expiring_soon_and_unanswered_filters(client, maple):
    login(client, maple.staff)
    pending, expired = maple.objects["pending"], maple.objects["expired"]
    soon = client.get("/admin/leads/lead/", {"expiring": "6"}).content.decode()
    assert f"/admin/leads/lead/{pending.pk}/change/" in soon
    assert f"/admin/leads/lead/{expired.pk}/change/" not in soon
    missed = client.get("/admin/leads/lead/", {"answered": "missed"}).content.decode()
    assert f"/admin/leads/lead/{expired.pk}/change/" in missed
    assert f"/admin/leads/lead/{pending.pk}/change/" not in missed


def test_internal_tables_are_hidden_from_staff(client, maple, superuser):
    login(client, maple.staff)
    index = client.get("/admin/").content.decode()
    assert "/admin/marketplace/idempotencyrecord/" not in index
    assert client.get("/admin/marketplace/idempotencyrecord/").status_code == 403
    login(client, superuser)
    assert client.get("/admin/marketplace/idempotencyrecord/").status_code == 200


def test_autocomplete_offers_only_the_staff_members_rows(client, maple, formosa):
    login(client, maple.staff)
    response = client.get(
        "/admin/autocomplete/", {"app_label": "pros", "model_name": "service", "field_name": "pro", "term": "Pro"}
    )
    assert response.status_code == 200
    names = [row["text"] for row in response.json()["results"]]
    assert maple.objects["pro"].name in names and formosa.objects["pro"].name not in names


def test_related_records_show_for_staff(client, maple):
    login(client, maple.staff)
    request = maple.objects["request"]
    page = client.get(f"/admin/leads/quoterequest/{request.pk}/change/").content.decode()
    assert f"/admin/leads/lead/{maple.objects['pending'].pk}/change/" in page  # the request's leads
    assert 'name="description"' not in page and 'name="contact_phone"' not in page  # read-only words
    pro_page = client.get(f"/admin/pros/pro/{maple.objects['pro'].pk}/change/").content.decode()
    assert 'name="areas-0-area"' in pro_page and "Service MAPLEMARK" in pro_page  # areas and services
    assert f"/admin/leads/lead/?pro__id__exact={maple.objects['pro'].pk}" in pro_page
    user_page = client.get(f"/admin/marketplace/user/{maple.objects['homeowner'].pk}/change/").content.decode()
    assert f"homeowner__id__exact={maple.objects['homeowner'].pk}" in user_page


def test_export_the_filtered_leads_as_spreadsheet_safe_csv(client, maple, formosa):
    login(client, maple.staff)
    listing = client.get("/admin/leads/lead/", {"status__exact": "expired"})
    assert "/admin/leads/lead/export.csv?status__exact=expired" in listing.content.decode()
    response = client.get("/admin/leads/lead/export.csv", {"status__exact": "expired"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["lead_id", "created_at", "request_id"]
    assert [int(row[0]) for row in rows[1:]] == [maple.objects["expired"].pk]  # filtered, scoped
    requests = client.get("/admin/leads/quoterequest/export.csv").content.decode()
    assert "'=HYPERLINK" in requests and "FORMOSAMARK" not in requests  # a formula is defused
    assert client.get("/admin/pros/pro/export.csv").status_code == 200


def test_staff_pages_show_local_time_labelled_and_formosa_reads_traditional_chinese(client, maple, formosa):
    login(client, formosa.staff)
    page = client.get("/admin/").content.decode()
    assert 'lang="zh-hant"' in page
    assert "Asia/Taipei" in page and "UTC+0800" in page
    assert "最近的動作" in page and "登出" in page  # Django's own admin strings, translated
    login(client, maple.staff)
    page = client.get("/admin/").content.decode()
    assert "America/Toronto" in page and 'lang="en-ca"' in page


def test_a_taipei_charge_shows_in_taipei_time(client, formosa):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from billing.models import Charge

    charge = formosa.objects["charge"]
    at = dt.datetime(2026, 11, 30, 8, 10, tzinfo=ZoneInfo("Asia/Taipei"))
    Charge.objects.filter(pk=charge.pk).update(created_at=at)
    login(client, formosa.staff)
    page = client.get(f"/admin/billing/charge/{charge.pk}/change/").content.decode()
    assert "08:10" in page and "2026年11月30日" in page  # not 12:10 a.m. UTC, in the locale's format
    assert "NT$150.00" in client.get("/admin/billing/charge/").content.decode()  # not "15000 TWD"


def test_pro_members_of_other_marketplaces_are_not_found(client, maple, formosa):
    login(client, maple.staff)
    listing = client.get("/admin/pros/pro/", {"q": "owner@formosa-pro.test"})
    assert "FORMOSAMARK" not in listing.content.decode()
    assert Pro.objects.filter(members__email="owner@formosa-pro.test").exists()
