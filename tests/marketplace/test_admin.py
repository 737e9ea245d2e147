import pytest

from marketplace.models import MarketplacePolicy, User
from tests.factories import UserFactory
from tests.factories.marketplace import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.post("/admin/login/?next=/admin/", {"username": staff_user.email, "password": PASSWORD})
    return client


def test_staff_log_into_the_admin_with_their_email(staff_client):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    assert b"Marketplaces" in response.content


def test_homeowners_and_pros_cannot_log_into_the_admin(client, marketplace):
    for role in ("homeowner", "pro"):
        user = UserFactory(marketplace=marketplace, role=role)
        client.post("/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD})
        assert client.get("/admin/").status_code == 302  # back to the login page


def test_staff_see_only_their_own_marketplace(staff_client, marketplace, other_marketplace):
    listing = staff_client.get("/admin/marketplace/marketplace/")
    assert listing.status_code == 200
    assert marketplace.name.encode() in listing.content
    assert other_marketplace.name.encode() not in listing.content
    foreign = staff_client.get(f"/admin/marketplace/marketplace/{other_marketplace.pk}/change/")
    assert foreign.status_code == 302  # "doesn't exist" → redirected to the index


def test_staff_see_only_their_marketplaces_users(staff_client, marketplace, other_marketplace):
    mine = UserFactory(marketplace=marketplace, email="mine@example.test")
    theirs = UserFactory(marketplace=other_marketplace, email="theirs@example.test")
    listing = staff_client.get("/admin/marketplace/user/")
    assert b"mine@example.test" in listing.content
    assert b"theirs@example.test" not in listing.content
    assert staff_client.get(f"/admin/marketplace/user/{mine.pk}/change/").status_code == 200
    assert staff_client.get(f"/admin/marketplace/user/{theirs.pk}/change/").status_code == 302


def test_staff_edit_their_policy_in_the_admin(staff_client, marketplace):
    policy = marketplace.policy
    form = staff_client.get(f"/admin/marketplace/marketplace/{marketplace.pk}/change/")
    assert form.status_code == 200
    data = _form_data(form)
    data["policy-0-response_rate_threshold"] = "0.800"
    response = staff_client.post(f"/admin/marketplace/marketplace/{marketplace.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    policy.refresh_from_db()
    assert str(policy.response_rate_threshold) == "0.800"


@pytest.mark.parametrize(
    ("field", "value"),
    [("response_rate_threshold", "1.5"), ("demotion_factor", "-0.1"), ("response_window_days", "0")],
)
def test_out_of_range_policy_values_are_refused(staff_client, marketplace, field, value):
    form = staff_client.get(f"/admin/marketplace/marketplace/{marketplace.pk}/change/")
    data = _form_data(form)
    data[f"policy-0-{field}"] = value
    response = staff_client.post(f"/admin/marketplace/marketplace/{marketplace.pk}/change/", data)
    assert response.status_code == 200  # the form again, with errors
    assert b"errorlist" in response.content
    assert getattr(MarketplacePolicy.objects.get(marketplace=marketplace), field) != value


def test_staff_cannot_create_marketplaces_or_grant_platform_rights(staff_client):
    assert staff_client.get("/admin/marketplace/marketplace/add/").status_code == 403
    form = staff_client.get("/admin/marketplace/user/add/")
    assert form.status_code == 200
    assert b'value="platform"' not in form.content


def test_staff_cannot_change_identity_fields_of_their_marketplace(staff_client, marketplace):
    form = staff_client.get(f"/admin/marketplace/marketplace/{marketplace.pk}/change/")
    data = _form_data(form)
    data.update({"slug": "hijacked", "currency": "USD"})
    staff_client.post(f"/admin/marketplace/marketplace/{marketplace.pk}/change/", data)
    marketplace.refresh_from_db()
    assert (marketplace.slug, marketplace.currency) == ("maple", "CAD")


def test_users_created_by_staff_land_in_the_staff_marketplace(staff_client, marketplace, other_marketplace):
    response = staff_client.post(
        "/admin/marketplace/user/add/",
        {
            "email": "new@example.test",
            "name": "New",
            "role": "homeowner",
            "marketplace": other_marketplace.pk,
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert User.objects.get(email="new@example.test").marketplace == marketplace


def _form_data(response) -> dict:
    """The values of a rendered admin change form, as a browser would submit them."""
    import re

    html = response.content.decode()
    data = {}
    for match in re.finditer(r"<input[^>]*>", html):
        tag = match.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox":
            if "checked" in tag:
                data[name.group(1)] = "on"
            continue
        if kind and kind.group(1) in ("submit", "button"):
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(2))
        data[match.group(1)] = selected.group(1) if selected else ""
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[match.group(1)] = match.group(2).strip()
    return data


def test_a_duplicate_category_slug_added_by_staff_is_a_form_error_not_a_500(staff_client, marketplace):
    from pros.models import Category
    from tests.factories import CategoryFactory

    CategoryFactory(marketplace=marketplace, slug="plumbing")
    response = staff_client.post(
        "/admin/pros/category/add/",
        {
            "name": "Plumbing again",
            "slug": "plumbing",
            "is_active": "on",
            "questions": "[]",
            "subcategories-TOTAL_FORMS": "0",
            "subcategories-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert b"already exists" in response.content
    assert Category.objects.filter(marketplace=marketplace, slug="plumbing").count() == 1


@pytest.mark.parametrize("change", ["add a pro member", "turn a pro member into a homeowner"])
def test_staff_cannot_make_a_pro_member_without_its_business_or_unmake_one(staff_client, marketplace, change):
    if change == "add a pro member":
        page = staff_client.get("/admin/marketplace/user/add/")
        assert page.status_code == 200 and b'value="pro"' not in page.content
        return
    member = UserFactory(marketplace=marketplace, role="pro")
    page = staff_client.get(f"/admin/marketplace/user/{member.pk}/change/")
    assert page.status_code == 200
    assert b'name="role"' not in page.content  # read-only for a pro member
