import pytest

from pros.models import Pro, ProArea
from tests.factories import ProFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/pro/profile/"


def test_a_registered_pro_fills_its_profile_through_the_api(api_client, marketplace):
    client = api_client(marketplace)
    body = {"email": "pat@fixit.test", "password": "a-long-passphrase-1", "name": "Pat", "role": "pro"}
    assert client.post("/api/v1/auth/register/", {**body, "business_name": "Fixit"}).status_code == 202
    token = client.post("/api/v1/auth/token/", {"email": body["email"], "password": body["password"]}).json()
    client.credentials(HTTP_X_MARKETPLACE="maple", HTTP_AUTHORIZATION=f"Bearer {token['access']}")

    response = client.patch(
        URL,
        {
            "description": "Licensed plumbers serving downtown Toronto since 2009, 24/7 emergencies.",
            "phone": "+1 416 555 0199",
            "website": "https://fixit.example",
            "areas": ["m5v 3l9", "M4C", "m5v"],
            "weekly_spend_cap": {"amount": 50000, "currency": "CAD"},
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Fixit"
    assert body["areas"] == ["M4C", "M5V"]
    assert body["weekly_spend_cap"] == {"amount": 50000, "currency": "CAD"}
    assert body["tier"] == "basic"
    assert body["completeness"] == 65
    assert body["completeness_missing"] == ["photos", "services"]
    assert "Enrich your profile" in body["completeness_advice"]
    assert Pro.objects.get(pk=body["id"]).completeness == 65


def test_full_postal_codes_are_reduced_to_their_area(api_client, marketplace, pro_user):
    response = api_client(marketplace, pro_user).patch(URL, {"areas": ["M6J 1A1"]})
    assert response.json()["areas"] == ["M6J"]
    assert list(ProArea.objects.filter(pro=pro_user.pro).values_list("area", flat=True)) == ["M6J"]


def test_an_invalid_area_is_400_naming_areas(api_client, marketplace, pro_user):
    response = api_client(marketplace, pro_user).patch(URL, {"areas": ["M5V", "106"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_area"
    assert "areas" in response.json()["error"]["fields"]
    assert list(ProArea.objects.filter(pro=pro_user.pro).values_list("area", flat=True)) == ["M5V"]


def test_server_owned_fields_are_ignored(api_client, marketplace, pro_user):
    response = api_client(marketplace, pro_user).patch(
        URL, {"tier": "brand_builder", "star_score": 100, "suspended": False, "completeness": 100, "name": "New name"}
    )
    assert response.status_code == 200
    pro = Pro.objects.get(pk=pro_user.pro_id)
    assert (pro.name, pro.tier, pro.star_score, pro.completeness) == ("New name", "basic", 0, 20)


def test_webhook_url_must_be_https_and_gets_a_secret_shown_only_to_the_pro(api_client, marketplace, pro_user, fake_dns):
    fake_dns({"hooks.example": ["93.184.215.14"]})  # saved only: nothing connects to it
    client = api_client(marketplace, pro_user)
    bad = client.patch(URL, {"webhook_url": "ftp://hooks.example/x"})
    assert bad.status_code == 400
    assert "webhook_url" in bad.json()["error"]["fields"]
    assert client.patch(URL, {"webhook_url": "http://hooks.example/x"}).status_code == 400  # https only

    good = client.patch(URL, {"webhook_url": "https://hooks.example/leads"})
    secret = good.json()["webhook_secret"]
    assert len(secret) == 64
    # Changing the URL keeps the secret; clearing it drops the secret.
    assert client.patch(URL, {"webhook_url": "https://hooks.example/v2"}).json()["webhook_secret"] == secret
    assert client.patch(URL, {"webhook_url": ""}).json()["webhook_secret"] == ""

    public = api_client(marketplace).get(f"/api/v1/pros/{pro_user.pro_id}/").json()
    assert "webhook_secret" not in public and "webhook_url" not in public


def test_pausing_and_spend_cap_as_a_bare_integer(api_client, marketplace, pro_user):
    body = api_client(marketplace, pro_user).patch(URL, {"paused": True, "weekly_spend_cap": 12000}).json()
    assert body["paused"] is True
    assert body["weekly_spend_cap"] == {"amount": 12000, "currency": "CAD"}
    body = api_client(marketplace, pro_user).patch(URL, {"weekly_spend_cap": None}).json()
    assert body["weekly_spend_cap"] is None


@pytest.mark.parametrize(
    "cap",
    [-1, 10.5, "100", {"amount": 100, "currency": "TWD"}, 10**20, {"amount": 10**16}],
    ids=["negative", "float", "string", "currency", "overflows-bigint", "absurd"],
)
def test_a_bad_spend_cap_is_400(api_client, marketplace, pro_user, cap):
    response = api_client(marketplace, pro_user).patch(URL, {"weekly_spend_cap": cap})
    assert response.status_code == 400
    assert "weekly_spend_cap" in response.json()["error"]["fields"]


def test_completeness_counts_an_active_service(api_client, marketplace, pro_user):
    ServiceFactory(marketplace=marketplace, pro=pro_user.pro)
    body = api_client(marketplace, pro_user).get(URL).json()
    assert body["completeness"] == 40
    assert "services" not in body["completeness_missing"]


@pytest.mark.parametrize("role", ["homeowner", "staff"])
def test_only_pros_have_a_profile(api_client, marketplace, role):
    user = UserFactory(marketplace=marketplace, role=role)
    assert api_client(marketplace, user).get(URL).status_code == 403
    assert api_client(marketplace).get(URL).status_code == 401


def test_a_pro_token_does_not_work_in_another_marketplace(api_client, marketplace, other_marketplace, pro_user):
    ProFactory(marketplace=other_marketplace)
    assert api_client(other_marketplace, pro_user).get(URL).status_code in (401, 403, 404)
