import pytest

from push.models import Device
from tests.factories import DeviceFactory, UserFactory
from tests.push.servers import Browser

pytestmark = pytest.mark.django_db

FCM_TOKEN = "dGVzdC1mY20tdG9rZW4:APA91bH" + "a" * 120


@pytest.fixture
def pro_user(marketplace):
    return UserFactory(marketplace=marketplace, role="pro")


def test_a_user_registers_lists_and_deletes_its_devices(api_client, marketplace, pro_user, webpush_service):
    client = api_client(marketplace, pro_user)
    android = client.post("/api/v1/me/devices/", {"platform": "android", "token": FCM_TOKEN}, format="json")
    assert android.status_code == 201, android.json()
    assert android.json()["platform"] == "android" and android.json()["token"] == FCM_TOKEN
    browser = Browser(f"{webpush_service.base}/push/abc")
    web = client.post("/api/v1/me/devices/", {"platform": "web", "token": browser.subscription}, format="json")
    assert web.status_code == 201, web.json()
    assert web.json()["token"] == browser.subscription["endpoint"]
    assert Device.objects.get(pk=web.json()["id"]).subscription == browser.subscription

    listed = client.get("/api/v1/me/devices/").json()["results"]
    assert {d["id"] for d in listed} == {android.json()["id"], web.json()["id"]}

    assert client.delete(f"/api/v1/me/devices/{android.json()['id']}/").status_code == 204
    assert [d["id"] for d in client.get("/api/v1/me/devices/").json()["results"]] == [web.json()["id"]]


def test_registering_a_known_token_again_refreshes_it_and_moves_it_to_the_new_user(api_client, marketplace, pro_user):
    first = api_client(marketplace, pro_user).post(
        "/api/v1/me/devices/", {"platform": "ios", "token": FCM_TOKEN}, format="json"
    )
    again = api_client(marketplace, pro_user).post(
        "/api/v1/me/devices/", {"platform": "ios", "token": FCM_TOKEN}, format="json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    someone_else = UserFactory(marketplace=marketplace, role="homeowner")
    moved = api_client(marketplace, someone_else).post(
        "/api/v1/me/devices/", {"platform": "ios", "token": FCM_TOKEN}, format="json"
    )
    assert moved.status_code == 200
    assert Device.objects.get().user == someone_else
    assert api_client(marketplace, pro_user).get("/api/v1/me/devices/").json()["results"] == []


def test_another_users_device_is_404(api_client, marketplace, pro_user):
    theirs = DeviceFactory(marketplace=marketplace)
    client = api_client(marketplace, pro_user)
    assert client.delete(f"/api/v1/me/devices/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/me/devices/{theirs.pk}/").status_code in (404, 405)
    assert Device.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "blackberry", "token": FCM_TOKEN}, "platform"),
        ({"platform": "android", "token": "short"}, "token"),
        ({"platform": "android", "token": "has spaces and ' quotes " + "x" * 40}, "token"),
        ({"platform": "android", "token": {"endpoint": "https://x"}}, "token"),
        ({"platform": "web", "token": "not-an-object"}, "token"),
        ({"platform": "web", "token": {"endpoint": "https://evil.example/push", "keys": {}}}, "token"),
        ({"platform": "android"}, "token"),
    ],
)
def test_a_malformed_device_is_400_naming_the_field(api_client, marketplace, pro_user, body, field):
    response = api_client(marketplace, pro_user).post("/api/v1/me/devices/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in response.json()["error"]["fields"]


def test_a_web_subscription_must_be_https_on_a_known_push_service_with_valid_keys(
    api_client, marketplace, pro_user, settings
):
    client = api_client(marketplace, pro_user)
    good = Browser("https://updates.push.services.mozilla.com/wpush/v2/abc").subscription

    def post(subscription):
        return client.post("/api/v1/me/devices/", {"platform": "web", "token": subscription}, format="json")

    assert post(good).status_code == 201
    for bad in (
        {**good, "endpoint": "http://updates.push.services.mozilla.com/wpush/v2/abc"},  # not https
        {**good, "endpoint": "https://169.254.169.254/latest"},  # not a push service
        {**good, "keys": {**good["keys"], "p256dh": "AAAA"}},  # not a P-256 point
        {**good, "keys": {**good["keys"], "auth": "!!!"}},  # not base64url
    ):
        response = post(bad)
        assert response.status_code == 400, bad
        assert "token" in response.json()["error"]["fields"]


def test_preferences_list_every_event_on_by_default_and_patch_merges(api_client, marketplace, pro_user):
    client = api_client(marketplace, pro_user)
    default = client.get("/api/v1/me/notification-preferences/").json()
    assert default["channels"]["lead.new"] == {"push": True, "email": True}
    assert default["quiet_hours"] == "off" and default["every_lead_at_once"] is False

    client.patch("/api/v1/me/notification-preferences/", {"channels": {"lead.new": {"email": False}}}, format="json")
    patched = client.patch(
        "/api/v1/me/notification-preferences/", {"channels": {"lead.matched": {"push": False}}}, format="json"
    ).json()
    assert patched["channels"]["lead.new"] == {"push": True, "email": False}
    assert patched["channels"]["lead.matched"] == {"push": False, "email": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": {"lead.unknown": {"push": False}}}, "channels"),
        ({"channels": {"lead.new": {"push": "maybe"}}}, "channels"),
        ({"quiet_hours": "sometimes"}, "quiet_hours"),
        ({"quiet_hours": "custom", "quiet_start": "21:00"}, "quiet_end"),
        ({"quiet_start": "25:00"}, "quiet_start"),
    ],
)
def test_bad_preferences_are_400_naming_the_field(api_client, marketplace, pro_user, body, field):
    response = api_client(marketplace, pro_user).patch("/api/v1/me/notification-preferences/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
