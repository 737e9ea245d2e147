import threading

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.errors import DomainError
from pros.models import Pro, Review
from pros.services import review_submit
from tests.factories import LeadFactory, ProFactory, QuoteRequestFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_tapped_review_of_one_job_is_recorded_once(marketplace):
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    pro = ProFactory(marketplace=marketplace)
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    LeadFactory(
        marketplace=marketplace, request=request, pro=pro, status="accepted", contact_revealed_at=timezone.now()
    )
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def submit():
        try:
            barrier.wait()
            _, created = review_submit(homeowner=homeowner, pro=pro, rating=5)
            outcomes.append("created" if created else "edited")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["edited"] * 3
    assert Review.objects.count() == 1
    assert Pro.objects.values_list("review_count", flat=True).get(pk=pro.pk) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_of_one_pro_all_count_in_its_star_score(marketplace):
    """Six homeowners review one pro at once: the count and score reflect all six at once."""
    from pros.star_score import star_score

    pro = ProFactory(marketplace=marketplace)
    homeowners = [UserFactory(marketplace=marketplace, role="homeowner") for _ in range(6)]
    for homeowner in homeowners:
        request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
        LeadFactory(
            marketplace=marketplace, request=request, pro=pro, status="accepted", contact_revealed_at=timezone.now()
        )
    barrier = threading.Barrier(len(homeowners))

    def submit(homeowner):
        try:
            barrier.wait()
            review_submit(homeowner=homeowner, pro=pro, rating=5)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(homeowner,)) for homeowner in homeowners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    pro.refresh_from_db()
    pairs = list(Review.objects.filter(pro=pro).values_list("rating", "created_at"))
    assert len(pairs) == pro.review_count == 6
    assert abs(pro.star_score - star_score(pairs, now=timezone.now())) <= 1
