"""The console's reported 500s and the lost dispute note, each as staff of maple and of formosa."""

import pytest
from django.contrib.admin.models import LogEntry

from billing.models import LeadDispute, Refund
from connections.models import ConnectionSettings
from console.models import StaffAction
from ranking.models import RankingPolicy
from tests.console.conftest import login
from tests.marketplace.test_admin import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["maple", "formosa"])
def market(request, maple, formosa):
    return {"maple": maple, "formosa": formosa}[request.param]


def test_staff_edit_the_ranking_weights_and_the_change_is_audited(client, market):
    login(client, market.staff)
    policy = RankingPolicy.objects.get(marketplace=market.marketplace)
    url = f"/admin/ranking/rankingpolicy/{policy.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200  # was a 500: KeyError 'marketplace'
    data = _form_data(page) | {"weight_response_rate": "40", "_save": "Save"}
    assert client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert policy.weight_response_rate == 40
    action = StaffAction.objects.get(kind="ranking_weights_changed", marketplace=market.marketplace)
    assert (action.before, action.after, action.actor) == (
        {"weight_response_rate": 25},
        {"weight_response_rate": 40},
        market.staff,
    )
    assert LogEntry.objects.filter(object_id=str(policy.pk), user=market.staff).exists()


def test_the_ranking_policy_add_page_is_not_a_500(client, market):
    login(client, market.staff)
    # The marketplace already has its weights: no add page, and no link to one.
    assert client.get("/admin/ranking/rankingpolicy/add/").status_code == 403
    RankingPolicy.objects.filter(marketplace=market.marketplace).delete()
    page = client.get("/admin/ranking/rankingpolicy/add/")
    assert page.status_code == 200
    assert client.post("/admin/ranking/rankingpolicy/add/", _form_data(page)).status_code == 302
    assert RankingPolicy.objects.filter(marketplace=market.marketplace).count() == 1


def test_a_second_connection_settings_row_is_refused_without_a_500(client, market):
    login(client, market.staff)
    listing = client.get("/admin/connections/connectionsettings/")
    assert b"/admin/connections/connectionsettings/add/" not in listing.content  # no Add link
    assert client.get("/admin/connections/connectionsettings/add/").status_code == 403
    assert ConnectionSettings.objects.filter(marketplace=market.marketplace).count() == 1


def test_a_duplicate_one_per_marketplace_row_is_a_form_error(rf, market):
    """The form itself maps a uniqueness error on the (hidden) marketplace to the whole form."""
    from django.contrib import admin

    request = rf.post("/")
    request.user = market.staff
    model_admin = admin.site._registry[ConnectionSettings]
    form_class = model_admin.get_form(request)
    form = form_class(data={"raw_event_retention_days": "30", "max_range_days": "30"})
    assert not form.is_valid()  # was ValueError: 'StaffTenantForm' has no field named 'marketplace'
    assert form.non_field_errors()


def test_there_is_no_view_site_link_to_a_404(client, market):
    login(client, market.staff)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert b"View site" not in page.content and b"\xe6\x9f\xa5\xe7\x9c\x8b\xe7\xab\x99\xe9\xbb\x9e" not in page.content


def test_a_saved_decision_note_survives_approval(client, market):
    login(client, market.staff)
    dispute = market.objects["dispute"]
    url = f"/admin/billing/leaddispute/{dispute.pk}/change/"
    page = client.get(url)
    data = _form_data(page) | {"decision_note": "Called the number: not in service.", "_save": "Save"}
    assert client.post(url, data).status_code == 302
    confirm = client.post(
        "/admin/billing/leaddispute/", {"action": "approve_and_refund", "_selected_action": [dispute.pk], "index": 0}
    )
    assert confirm.status_code == 200
    html = confirm.content.decode()
    currency_fee = "C$30.00" if market.marketplace.currency == "CAD" else "NT$30.00"
    assert currency_fee in html  # the fee, what was refunded and what is left, in major units
    assert "Called the number: not in service." in html  # the saved note, prefilled
    assert LeadDispute.objects.get(pk=dispute.pk).status == "open"  # nothing happens before confirming
    done = client.post(
        "/admin/billing/leaddispute/",
        {"action": "approve_and_refund", "_selected_action": [dispute.pk], "confirmed": "yes", "note": ""},
        follow=True,
    )
    # the message is in the staff member's language (formosa reads zh-Hant)
    assert (
        "1 dispute decided." if market.marketplace.currency == "CAD" else "已處理 1 件申訴。"
    ) in done.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == "approved"
    assert dispute.decision_note == "Called the number: not in service."  # was wiped to ""
    assert Refund.objects.get(charge=dispute.charge).amount == 3000
    audit = StaffAction.objects.get(kind="dispute_approved", object_id=str(dispute.pk))
    assert audit.actor == market.staff
    assert audit.before["status"] == "open" and audit.after["status"] == "approved"
    assert audit.after["refund_amount"] == 3000
    assert LogEntry.objects.filter(object_id=str(dispute.pk), user=market.staff).exists()


def test_a_refund_larger_than_what_is_left_is_refused_with_the_amounts(client, market):
    login(client, market.staff)
    dispute = market.objects["dispute"]
    response = client.post(
        "/admin/billing/leaddispute/",
        {"action": "approve_and_refund", "_selected_action": [dispute.pk], "confirmed": "yes", "amount": "31.00"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    symbol = "C$" if market.marketplace.currency == "CAD" else "NT$"
    if market.marketplace.currency == "CAD":
        assert f"A refund of {symbol}31.00 is more than the {symbol}30.00 left of this fee." in html
    else:  # formosa staff read the refusal in Traditional Chinese, amounts included
        assert f"退款 {symbol}31.00 超過此費用剩餘的 {symbol}30.00。" in html
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert not Refund.objects.filter(charge=dispute.charge).exists()


def test_a_partial_refund_approves_with_that_amount(client, market):
    login(client, market.staff)
    dispute = market.objects["dispute"]
    client.post(
        "/admin/billing/leaddispute/",
        {
            "action": "approve_and_refund",
            "_selected_action": [dispute.pk],
            "confirmed": "yes",
            "amount": "12.50",
            "note": "Half the fee.",
        },
    )
    dispute.refresh_from_db()
    assert dispute.status == "approved" and dispute.decision_note == "Half the fee."
    assert Refund.objects.get(charge=dispute.charge).amount == 1250


def test_denying_with_a_note_is_audited(client, market):
    login(client, market.staff)
    dispute = market.objects["dispute"]
    client.post(
        "/admin/billing/leaddispute/",
        {"action": "deny", "_selected_action": [dispute.pk], "confirmed": "yes", "note": "Contact verified."},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decision_note, dispute.decided_by) == ("denied", "Contact verified.", market.staff)
    assert StaffAction.objects.filter(kind="dispute_denied", object_id=str(dispute.pk), actor=market.staff).exists()


def test_the_service_refuses_a_refund_above_what_is_left(market):
    from billing.disputes import dispute_approve
    from marketplace.errors import Conflict

    with pytest.raises(Conflict) as error:
        dispute_approve(dispute_id=market.objects["dispute"].pk, actor=market.staff, amount=3001)
    assert error.value.code == "refund_exceeds_remaining"
    assert error.value.extra == {"asked": 3001, "remaining": 3000, "fee": 3000}
