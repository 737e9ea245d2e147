import pytest

from tests.factories import CategoryFactory, ProAreaFactory, ProFactory, ReviewFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        ("pro", ProFactory),
        ("service", ServiceFactory),
        ("review", ReviewFactory),
        ("category", CategoryFactory),
    ],
)
def test_staff_admin_lists_only_their_marketplaces_rows(client, marketplace, other_marketplace, model, factory):
    staff = UserFactory(marketplace=marketplace, role="staff")
    ours = factory(marketplace=marketplace)
    theirs = factory(marketplace=other_marketplace)
    client.force_login(staff)
    response = client.get(f"/admin/pros/{model}/")
    assert response.status_code == 200
    object_ids = {obj.pk for obj in response.context["cl"].result_list}
    assert ours.pk in object_ids and theirs.pk not in object_ids
    assert client.get(f"/admin/pros/{model}/{ours.pk}/change/").status_code == 200
    assert client.get(f"/admin/pros/{model}/{theirs.pk}/change/").status_code in (302, 404)


def test_staff_search_pros_by_area(client, marketplace):
    staff = UserFactory(marketplace=marketplace, role="staff")
    pro = ProFactory(marketplace=marketplace, name="Area Search Co")
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M6J")
    ProAreaFactory(marketplace=marketplace, pro=pro, area="M6K")
    ProFactory(marketplace=marketplace)
    client.force_login(staff)
    response = client.get("/admin/pros/pro/", {"q": "M6"})
    assert [obj.pk for obj in response.context["cl"].result_list] == [pro.pk]


def test_the_admin_applies_the_apis_service_rules(marketplace):
    from django.forms import modelform_factory

    from pros.admin import ServiceForm
    from pros.models import Service

    marketplace.policy.promotion_service_enabled = True
    marketplace.policy.save()
    pro, category = ProFactory(marketplace=marketplace), CategoryFactory(marketplace=marketplace)
    form_class = modelform_factory(
        Service, form=ServiceForm, fields=["pro", "category", "title", "promotion_enabled", "condition_areas"]
    )
    base = {"pro": pro.pk, "category": category.pk, "title": "Taps", "condition_areas": "[]"}
    promotion_without_quote = form_class(data={**base, "promotion_enabled": "on"})
    assert not promotion_without_quote.is_valid()
    assert "auto-quote" in str(promotion_without_quote.non_field_errors())
    bad_area = form_class(data={**base, "condition_areas": '["zzz 999"]'})
    assert not bad_area.is_valid()
    good = form_class(data={**base, "condition_areas": '["m5v"]'})
    assert good.is_valid(), good.errors
    assert good.instance.condition_areas == ["M5V"]


def test_the_admin_normalises_area_codes_and_refuses_bad_ones(marketplace):
    from django.forms import modelform_factory

    from pros.admin import ProAreaForm
    from pros.models import ProArea

    pro = ProFactory(marketplace=marketplace)
    form_class = modelform_factory(ProArea, form=ProAreaForm, fields=["area"])
    good = form_class(data={"area": "m5v"}, instance=ProArea(pro=pro, marketplace=marketplace))
    assert good.is_valid(), good.errors
    assert good.instance.area == "M5V"
    bad = form_class(data={"area": "zzz 999"}, instance=ProArea(pro=pro, marketplace=marketplace))
    assert not bad.is_valid() and "area" in bad.errors


def test_categories_have_two_levels(marketplace, other_marketplace):
    from django.core.exceptions import ValidationError

    top = CategoryFactory(marketplace=marketplace)
    child = CategoryFactory(marketplace=marketplace, parent=top)
    for category, parent in [(CategoryFactory(marketplace=marketplace), child), (top, top), (top, None)]:
        category.parent = parent
        if parent is None:
            continue
        with pytest.raises(ValidationError):
            category.full_clean()
    foreign = CategoryFactory(marketplace=other_marketplace)
    orphan = CategoryFactory(marketplace=marketplace, parent=None)
    orphan.parent = foreign
    with pytest.raises(ValidationError):
        orphan.full_clean()
    top.refresh_from_db()
    top.parent = CategoryFactory(marketplace=marketplace)  # it has a subcategory, so it stays top-level
    with pytest.raises(ValidationError):
        top.full_clean()
