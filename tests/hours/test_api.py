import pytest

from hours.models import Vacation
from tests.factories import UserFactory, VacationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pro_user(marketplace):
    return UserFactory(marketplace=marketplace, role="pro")


WEEK = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)] + [
    {"weekday": d, "start": "13:00", "end": "17:00"} for d in range(5)
]


def test_a_pro_sets_and_reads_its_working_week(api_client, marketplace, pro_user):
    client = api_client(marketplace, pro_user)
    assert client.get("/api/v1/pro/working-hours/").json()["hours"] == []
    saved = client.put("/api/v1/pro/working-hours/", {"hours": WEEK})
    assert saved.status_code == 200, saved.json()
    body = saved.json()
    assert body["time_zone"] == "America/Toronto" and body["weekly_hours"] == 35.0
    assert body["hours"][:2] == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:00"},
    ]
    assert client.put("/api/v1/pro/working-hours/", {"hours": []}).json()["weekly_hours"] == 0.0


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ([{"weekday": 0, "start": "17:00", "end": "09:00"}], "hours[0]"),
        ([{"weekday": 0, "start": "09:00", "end": "09:00"}], "hours[0]"),
        (
            [{"weekday": 2, "start": "09:00", "end": "13:00"}, {"weekday": 2, "start": "12:00", "end": "17:00"}],
            "hours[1]",
        ),
        ([{"weekday": 7, "start": "09:00", "end": "17:00"}], "hours"),
        ([{"weekday": 0, "start": "9 am", "end": "17:00"}], "hours"),
    ],
)
def test_working_hours_that_run_backwards_or_overlap_are_400_naming_the_field(
    api_client, marketplace, pro_user, hours, field
):
    response = api_client(marketplace, pro_user).put("/api/v1/pro/working-hours/", {"hours": hours})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]


def test_vacations_are_listed_created_and_deleted_and_another_pros_is_404(api_client, marketplace, pro_user):
    client = api_client(marketplace, pro_user)
    created = client.post("/api/v1/pro/vacations/", {"start_date": "2026-12-24", "end_date": "2027-01-02"})
    assert created.status_code == 201, created.json()
    assert [v["id"] for v in client.get("/api/v1/pro/vacations/").json()["results"]] == [created.json()["id"]]
    theirs = VacationFactory(marketplace=marketplace)
    assert client.delete(f"/api/v1/pro/vacations/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/v1/pro/vacations/{created.json()['id']}/").status_code == 204
    assert Vacation.objects.filter(pk=theirs.pk).exists()


def test_a_vacation_ending_before_it_starts_is_400_naming_end_date(api_client, marketplace, pro_user):
    response = api_client(marketplace, pro_user).post(
        "/api/v1/pro/vacations/", {"start_date": "2026-12-24", "end_date": "2026-12-23"}
    )
    assert response.status_code == 400
    assert "end_date" in response.json()["error"]["fields"]


def test_homeowners_cannot_set_working_hours(api_client, marketplace, homeowner):
    assert api_client(marketplace, homeowner).put("/api/v1/pro/working-hours/", {"hours": WEEK}).status_code == 403
