"""The console's own strings follow the staff member's marketplace language (#19 item 5):
formosa staff read the dashboard, list labels, filters, actions and confirmation pages in
Traditional Chinese, maple staff in English (catalogs in ``locale/``, README "Languages")."""

import pytest
from django.utils import translation

from console.dashboard import dashboard_for
from tests.console.conftest import login

pytestmark = pytest.mark.django_db


def test_formosa_staff_read_the_dashboard_in_chinese_and_maple_staff_in_english(client, maple, formosa):
    login(client, formosa.staff)
    page = client.get("/admin/").content.decode()
    assert 'lang="zh-hant"' in page
    assert "營運主控台" in page  # the dashboard's heading ("Operator console")
    assert "案件媒合平台管理後台" in page  # the site header
    for label in ("未結申訴", "已派發案件", "本月退款及退點（依原因）", "每日需求數", "今天", "本週", "上週"):
        assert label in page, label
    assert "Operator console" not in page and "Open disputes" not in page and "Leads offered" not in page

    login(client, maple.staff)
    page = client.get("/admin/").content.decode()
    assert "Operator console" in page and "Lead marketplace administration" in page
    assert "Open disputes" in page and "Leads offered" in page and "this week" in page
    assert "營運主控台" not in page and "未結申訴" not in page


def test_formosa_lists_filters_actions_and_confirmations_are_in_chinese(client, maple, formosa):
    login(client, formosa.staff)
    leads = client.get("/admin/leads/lead/").content.decode()
    assert "即將到期" in leads and "未回覆，已逾期" in leads  # list filters and their choices
    assert "立即讓選取的待回覆案件到期" in leads  # an action's description
    assert "類別" in leads and "屋主" in leads  # columns the console added
    ledger = client.get("/admin/billing/ledgerentry/").content.decode()
    assert "篩選後" in ledger and "依類別及依週" in ledger  # the totals over the filtered rows
    assert "已收費用" in ledger and "已退點" in ledger
    ranking = client.get("/admin/ranking/proranking/").content.decode()
    assert "有降級風險" in ranking and "回覆率" in ranking
    dispute = formosa.objects["dispute"]
    confirm = client.post(
        "/admin/billing/leaddispute/", {"action": "approve_and_refund", "_selected_action": [dispute.pk], "index": 0}
    ).content.decode()
    assert "核准並退款" in confirm and "尚可退款" in confirm and "留空即退還此費用剩餘的全部金額。" in confirm

    login(client, maple.staff)
    leads = client.get("/admin/leads/lead/").content.decode()
    assert "expiring soon" in leads and "Expire the selected pending leads now" in leads
    assert "即將到期" not in leads


def test_the_console_strings_have_canadian_french_too(maple):
    with translation.override("fr-ca"):
        dashboard = dashboard_for(marketplace=maple.marketplace)
        assert str(dashboard["activity"][1]["label"]) == "cette semaine"
        assert str(translation.gettext("Open disputes")) == "Litiges ouverts"


def test_formosa_staff_read_model_names_field_labels_and_choices_in_chinese(client, maple, formosa):
    """Model names, field labels, help texts and choice labels (the admin's own vocabulary,
    from ``verbose_name``s) follow the staff member's language too."""
    login(client, formosa.staff)
    index = client.get("/admin/").content.decode()
    assert "案件申訴" in index and "錢包明細" in index and "報價需求" in index  # model names in the app list
    lead = formosa.objects["dispute"].lead
    page = client.get(f"/admin/leads/lead/{lead.pk}/change/").content.decode()
    assert "截止時間" in page and "聯絡資料揭露時間" in page  # field labels: deadline, contact revealed at
    assert "Deadline" not in page and "Contact revealed at" not in page
    pro = client.get(f"/admin/pros/pro/{formosa.objects['pro'].pk}/change/").content.decode()
    assert "暫停中的專家不會收到案件。" in pro  # a help text
    leads = client.get("/admin/leads/lead/?status__exact=accepted").content.decode()
    assert "已接受" in leads  # a status choice label

    login(client, maple.staff)
    page = client.get(f"/admin/leads/lead/{maple.objects['dispute'].lead.pk}/change/").content.decode()
    assert "Deadline" in page and "截止時間" not in page


def test_every_model_label_of_ours_is_translated():
    """No admin label slips through in English: every model's name, field label and choice
    label resolves to a different text in zh-Hant (proper names such as "Brand Builder" and
    protocol names are the only ones allowed to stay)."""
    from django.apps import apps

    same_in_every_language = {"Brand Builder", "English", "Français (Canada)", "繁體中文"}  # names, endonyms
    ours = {"marketplace", "pros", "hours", "push", "billing", "leads", "ranking", "connections", "console"}
    untranslated = []
    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        texts = [model._meta.verbose_name, model._meta.verbose_name_plural]
        for field in model._meta.get_fields():
            if getattr(field, "auto_created", False) or not hasattr(field, "verbose_name"):
                continue
            texts.append(field.verbose_name)
            texts += [label for _, label in (field.choices or [])]
        for text in texts:
            with translation.override("en"):
                english = str(text)
            with translation.override("zh-hant"):
                chinese = str(text)
            if english == chinese and english not in same_in_every_language and not english.isupper():
                untranslated.append(f"{model._meta.label}: {english}")
    assert untranslated == [], "\n".join(untranslated)
