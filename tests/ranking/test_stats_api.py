"""GET /api/v1/pro/stats/ as a pro's app sees it."""

import datetime as dt

import pytest

from marketplace.models import MarketplacePolicy
from ranking.services import pro_stats_rollup
from tests.factories import CategoryFactory, ProAreaFactory, ProFactory, ServiceFactory, UserFactory
from tests.ranking.conftest import history, make_lead

pytestmark = pytest.mark.django_db
URL = "/api/v1/pro/stats/"


@pytest.fixture
def pro_user(demotion_on):
    return UserFactory(marketplace=demotion_on, role="pro")


def test_stats_show_the_rate_with_its_counts_and_every_lead_behind_it(api_client, demotion_on, pro_user):
    pro = pro_user.pro
    history(pro, answered=3, missed=2, pending_in_time=1)
    promotion = make_lead(pro, kind="promotion", status="accepted")
    answered = make_lead(pro, status="rejected", answered_after=dt.timedelta(minutes=7))
    pro_stats_rollup(marketplace=demotion_on)

    body = api_client(demotion_on, pro_user).get(URL).json()
    rate = body["response_rate"]
    assert (rate["rate"], rate["responded"], rate["due"], rate["missed"], rate["pending_in_time"]) == (
        "0.667",
        4,
        6,
        2,
        1,
    )
    assert (rate["threshold"], rate["window_days"], rate["min_sample"]) == ("0.750", 30, 4)
    leads = {lead["id"]: lead for lead in body["leads"]["results"]}
    assert body["leads"]["count"] == 7 and not body["leads"]["truncated"]
    assert promotion.pk not in leads
    assert leads[answered.pk]["counts_as"] == "responded"
    assert leads[answered.pk]["answered_at"] is not None and leads[answered.pk]["received_at"] is not None
    assert sorted(lead["counts_as"] for lead in leads.values()).count("missed") == 2
    assert body["connections_url"] == "/api/v1/pro/connections/"


def test_a_demoted_pro_sees_since_when_and_how_many_answers_lift_it(api_client, demotion_on, pro_user):
    history(pro_user.pro, answered=2, missed=3)  # 2/5 → needs k with (2+k)/(5+k) >= .75 → k = 7
    pro_stats_rollup(marketplace=demotion_on)
    demotion = api_client(demotion_on, pro_user).get(URL).json()["demotion"]
    assert demotion["demoted"] is True and demotion["since"] is not None
    assert demotion["responses_to_lift"] == 7
    assert demotion["factor"] == "0.500"
    assert demotion["at_risk"] is False


def test_the_warning_flag_is_up_while_one_more_miss_would_demote(api_client, demotion_on, pro_user):
    history(pro_user.pro, answered=3, missed=1)
    demotion = api_client(demotion_on, pro_user).get(URL).json()["demotion"]
    assert (demotion["demoted"], demotion["at_risk"], demotion["responses_to_lift"]) == (False, True, 0)


def test_rank_breakdown_adds_up_to_the_stored_score(api_client, demotion_on, pro_user):
    pro = pro_user.pro
    pro.star_score, pro.review_count, pro.completeness, pro.tier = 88, 12, 70, "brand_builder"
    pro.save()
    history(pro, answered=1, missed=3)
    pro_stats_rollup(marketplace=demotion_on)
    rank = api_client(demotion_on, pro_user).get(URL).json()["rank"]
    names = [factor["name"] for factor in rank["factors"]]
    assert names == [
        "star_score",
        "review_volume",
        "completeness",
        "response_rate",
        "response_time",
        "membership",
        "activity",
    ]
    assert rank["demotion_multiplier"] == 0.5
    total = sum(factor["contribution"] for factor in rank["factors"])
    assert total == pytest.approx(rank["score_before_demotion"])
    assert rank["score"] == pytest.approx(total * 0.5, rel=1e-6)
    star = rank["factors"][0]
    assert (star["raw"], star["value"], star["weight"]) == (88, 0.88, 30)


def test_position_in_main_category_and_area(api_client, demotion_on, pro_user):
    category = CategoryFactory(marketplace=demotion_on)
    pro = pro_user.pro
    ServiceFactory(marketplace=demotion_on, pro=pro, category=category)
    ProAreaFactory(marketplace=demotion_on, pro=pro, area="M5V")
    for star in (99, 98, 10):
        rival = ProFactory(marketplace=demotion_on, star_score=star)
        ServiceFactory(marketplace=demotion_on, pro=rival, category=category)
        ProAreaFactory(marketplace=demotion_on, pro=rival, area="M5V")
    elsewhere = ProFactory(marketplace=demotion_on, star_score=100)
    ServiceFactory(marketplace=demotion_on, pro=elsewhere, category=category)
    ProAreaFactory(marketplace=demotion_on, pro=elsewhere, area="M4C")
    pro.star_score = 50
    pro.save()
    pro_stats_rollup(marketplace=demotion_on)
    position = api_client(demotion_on, pro_user).get(URL).json()["rank"]["position"]
    assert position == {
        "category": {"id": category.pk, "slug": category.slug, "name": category.name},
        "area": "M5V",
        "position": 3,
        "of": 4,
    }


def test_history_lists_daily_snapshots_newest_first(api_client, demotion_on, pro_user):
    from django.utils import timezone

    history(pro_user.pro, answered=4)
    now = timezone.now()
    for days_ago in (2, 1, 0):
        pro_stats_rollup(marketplace=demotion_on, now=now - dt.timedelta(days=days_ago))
    rows = api_client(demotion_on, pro_user).get(URL).json()["history"]
    assert len(rows) == 3
    assert rows[0]["day"] > rows[1]["day"] > rows[2]["day"]
    assert rows[0]["response_rate"] == "1.000" and rows[0]["due"] == 4


def test_stats_without_enough_leads_say_why_there_is_no_figure(api_client, demotion_on, pro_user):
    history(pro_user.pro, missed=3)
    body = api_client(demotion_on, pro_user).get(URL).json()
    assert body["response_rate"]["rate"] is None
    assert body["demotion"]["demoted"] is False
    assert "no figure below 4" in body["demotion"]["reason"]
    assert body["demotion"]["reason"].startswith("3 leads due in the last 30 days")


def test_the_demotion_reason_is_in_the_readers_language(api_client, demotion_on, pro_user):
    history(pro_user.pro, missed=1)
    chinese = api_client(demotion_on, pro_user).get(URL, HTTP_ACCEPT_LANGUAGE="zh-Hant").json()
    assert chinese["demotion"]["reason"] == "過去 30 天內應回覆 1 件；未滿 4 件不計算回覆率，因此不會降級。"
    french = api_client(demotion_on, pro_user).get(URL, HTTP_ACCEPT_LANGUAGE="fr-CA").json()
    assert french["demotion"]["reason"].startswith("1 demande due au cours des 30 derniers jours")


def test_switched_off_demotion_is_reported(api_client, demotion_on, pro_user):
    MarketplacePolicy.objects.filter(marketplace=demotion_on).update(response_rate_demotion_enabled=False)
    history(pro_user.pro, missed=5)
    demotion = api_client(demotion_on, pro_user).get(URL).json()["demotion"]
    assert (demotion["enabled"], demotion["demoted"], demotion["at_risk"]) == (False, False, False)


def test_the_lead_list_is_capped(api_client, demotion_on, pro_user, monkeypatch):
    from ranking import selectors

    monkeypatch.setattr(selectors, "STATS_LEADS_CAP", 3)
    history(pro_user.pro, answered=5)
    leads = api_client(demotion_on, pro_user).get(URL).json()["leads"]
    assert (leads["count"], leads["truncated"], len(leads["results"])) == (5, True, 3)


def test_stats_query_count_does_not_grow_with_leads(api_client, demotion_on, pro_user, django_assert_max_num_queries):
    history(pro_user.pro, answered=30, missed=10, pending_in_time=5)
    pro_stats_rollup(marketplace=demotion_on)
    client = api_client(demotion_on, pro_user)
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200


def test_only_pros_see_stats(api_client, demotion_on, homeowner, staff_user):
    assert api_client(demotion_on).get(URL).status_code == 401
    assert api_client(demotion_on, homeowner).get(URL).status_code == 403
    assert api_client(demotion_on, staff_user).get(URL).status_code == 403


def test_a_pro_never_sees_another_pros_leads(api_client, demotion_on, pro_user):
    stranger = ProFactory(marketplace=demotion_on)
    history(stranger, answered=3)
    history(pro_user.pro, answered=1)
    body = api_client(demotion_on, pro_user).get(URL).json()
    assert body["leads"]["count"] == 1
    assert body["response_rate"]["responded"] == 1


def test_switched_off_demotion_leaves_nothing_to_lift_even_below_the_threshold(api_client, demotion_on, pro_user):
    MarketplacePolicy.objects.filter(marketplace=demotion_on).update(response_rate_demotion_enabled=False)
    history(pro_user.pro, answered=1, missed=4)  # 20%: 11 answers would be needed if demotion were on
    pro_stats_rollup(marketplace=demotion_on)
    body = api_client(demotion_on, pro_user).get(URL).json()
    assert body["response_rate"]["rate"] == "0.200"
    assert (body["demotion"]["demoted"], body["demotion"]["at_risk"]) == (False, False)
    assert body["demotion"]["responses_to_lift"] == 0
    assert "switched off" in body["demotion"]["reason"]


def test_history_covers_the_last_90_days_of_the_marketplaces_calendar(api_client, demotion_on, pro_user):
    """The window ends at the marketplace's today, not the server's (UTC): a zone whose date
    differs from UTC's right now — Kiritimati (UTC+14) from 10:00 UTC, Pago Pago (UTC-11) before."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from ranking.models import ProDailySnapshot

    now = timezone.now()
    demotion_on.time_zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    demotion_on.save(update_fields=["time_zone"])
    local_today = now.astimezone(ZoneInfo(demotion_on.time_zone)).date()
    assert local_today != now.date()
    for days_ago in (0, 90, 91):
        ProDailySnapshot.objects.create(
            marketplace=demotion_on,
            pro=pro_user.pro,
            day=local_today - dt.timedelta(days=days_ago),
            responded_count=1,
            due_count=1,
            rank_score=1.0,
            computed_at=now,
        )
    rows = api_client(demotion_on, pro_user).get(URL).json()["history"]
    assert [row["day"] for row in rows] == [
        local_today.isoformat(),
        (local_today - dt.timedelta(days=90)).isoformat(),
    ]
