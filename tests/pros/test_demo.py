import pytest
from django.utils import timezone

from marketplace.demo import DEMO_SEEDERS, demo_seed
from marketplace.models import Marketplace
from pros.models import Category, Pro, Review, Service
from pros.star_score import star_score

pytestmark = pytest.mark.django_db


def test_the_pros_seeder_is_registered():
    assert "pros.demo.seed" in DEMO_SEEDERS


def test_demo_seed_gives_each_marketplace_a_varied_believable_set_of_pros_and_is_idempotent(api_client):
    demo_seed()
    counts = (Category.objects.count(), Pro.objects.count(), Service.objects.count(), Review.objects.count())
    demo_seed()
    assert (Category.objects.count(), Pro.objects.count(), Service.objects.count(), Review.objects.count()) == counts

    for slug in ("maple", "formosa"):
        marketplace = Marketplace.objects.get(slug=slug)
        pros = Pro.objects.filter(marketplace=marketplace)
        assert 8 <= pros.count() <= 20  # enough to browse and to fill a matched request, few to read
        assert {pro.tier for pro in pros} == {"basic", "brand_builder"}
        assert Category.objects.filter(marketplace=marketplace, parent__isnull=False).exclude(questions=[]).exists()
        reviewed = pros.filter(review_count__gt=0).first()
        pairs = list(Review.objects.filter(pro=reviewed).values_list("rating", "created_at"))
        # Star Scores are computed from the reviews, within a rounding step of "now".
        assert abs(reviewed.star_score - star_score(pairs, now=timezone.now())) <= 1
        listed = api_client(marketplace).get("/api/v1/pros/").json()
        assert listed["count"] >= 8

    formosa = Marketplace.objects.get(slug="formosa")
    promoted = Service.objects.filter(marketplace=formosa, promotion_enabled=True)
    assert promoted.exists()
    assert all(service.auto_quote_message for service in promoted)
    assert not Service.objects.filter(marketplace__slug="maple", promotion_enabled=True).exists()
