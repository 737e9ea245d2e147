import datetime

import pytest
from django.utils import timezone

from pros.models import Pro, Review
from pros.services import star_scores_recompute_all
from tests.factories import LeadFactory, ProFactory, QuoteRequestFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/reviews/"


def connect(marketplace, homeowner, pro, **lead_fields):
    """A lead of this homeowner's request that this pro accepted and paid for (by default)."""
    request = QuoteRequestFactory(marketplace=marketplace, homeowner=homeowner)
    fields = {"status": "accepted", "fee_amount": 2500, "contact_revealed_at": timezone.now(), **lead_fields}
    return LeadFactory(marketplace=marketplace, request=request, pro=pro, **fields)


def test_a_homeowner_reviews_a_pro_after_an_accepted_lead_and_the_star_score_moves(api_client, marketplace, homeowner):
    pro = ProFactory(marketplace=marketplace)
    lead = connect(marketplace, homeowner, pro)
    response = api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": 5, "comment": "Great job."})
    assert response.status_code == 201, response.json()
    review = Review.objects.get()
    assert (review.lead_id, review.homeowner_id, review.rating) == (lead.pk, homeowner.pk, 5)
    pro.refresh_from_db()
    assert (pro.star_score, pro.review_count) == (69, 1)  # one 5-star review is not 100


def test_a_promotion_lead_counts_as_a_connection(api_client, marketplace, homeowner):
    pro = ProFactory(marketplace=marketplace)
    connect(marketplace, homeowner, pro, kind="promotion", deadline=None)
    assert api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": 4}).status_code == 201


@pytest.mark.parametrize("status", ["pending", "rejected", "expired", "filled", "withdrawn"])
def test_without_an_accepted_lead_the_review_is_403_no_connection(api_client, marketplace, homeowner, status):
    pro = ProFactory(marketplace=marketplace)
    connect(marketplace, homeowner, pro, status=status)
    response = api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": 5})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_connection"
    assert not Review.objects.exists()


def test_another_homeowners_connection_does_not_count(api_client, marketplace, homeowner):
    pro = ProFactory(marketplace=marketplace)
    connect(marketplace, UserFactory(marketplace=marketplace, role="homeowner"), pro)
    response = api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": 5})
    assert response.json()["error"]["code"] == "no_connection"


def test_a_second_review_by_the_same_homeowner_edits_the_first_and_counts_once(api_client, marketplace, homeowner):
    pro = ProFactory(marketplace=marketplace)
    connect(marketplace, homeowner, pro)
    client = api_client(marketplace, homeowner)
    first = client.post(URL, {"pro": pro.pk, "rating": 5, "comment": "Great."})
    assert first.status_code == 201
    # Even after a second paid job, the homeowner has one review of this pro: it is edited.
    connect(marketplace, homeowner, pro)
    again = client.post(URL, {"pro": pro.pk, "rating": 2, "comment": "Second job went badly."})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    review = Review.objects.get()
    assert (review.rating, review.comment, review.edited_at is not None) == (2, "Second job went badly.", True)
    pro.refresh_from_db()
    assert pro.review_count == 1
    assert pro.star_score < 69  # one 2-star review, not a 5 and a 2


def test_three_free_accepts_of_a_sock_puppet_lift_nothing(api_client, marketplace, homeowner):
    """The audit's attack: the pro accepts its own homeowner account's requests at no fee."""
    pro = ProFactory(marketplace=marketplace)
    client = api_client(marketplace, homeowner)
    for _ in range(3):
        connect(marketplace, homeowner, pro, fee_amount=0)
        response = client.post(URL, {"pro": pro.pk, "rating": 5})
        assert response.status_code == 403 and response.json()["error"]["code"] == "no_connection"
    pro.refresh_from_db()
    assert (pro.star_score, pro.review_count) == (0, 0)


def test_an_accept_not_yet_paid_is_no_connection(api_client, marketplace, homeowner):
    pro = ProFactory(marketplace=marketplace)
    connect(marketplace, homeowner, pro, contact_revealed_at=None)  # charge still pending, or only interest
    assert api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": 5}).status_code == 403


def test_a_hire_is_a_connection_even_after_a_free_accept(api_client, marketplace, homeowner):
    pro = ProFactory(marketplace=marketplace)
    lead = connect(marketplace, homeowner, pro, fee_amount=0)
    lead.request.hired_pro = pro
    lead.request.save(update_fields=["hired_pro"])
    assert api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": 4}).status_code == 201


def test_a_member_of_the_business_never_reviews_it(api_client, marketplace):
    """Members are pro accounts (a homeowner account never belongs to a business, a database
    constraint); the API refuses them by role and the service by membership."""
    from marketplace.errors import DomainError
    from pros.services import review_submit

    member = UserFactory(marketplace=marketplace, role="pro")
    assert api_client(marketplace, member).post(URL, {"pro": member.pro_id, "rating": 5}).status_code == 403
    with pytest.raises(DomainError) as refused:
        review_submit(homeowner=member, pro=member.pro, rating=5)
    assert refused.value.code == "own_business"
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "5", None])
def test_ratings_outside_1_to_5_are_400(api_client, marketplace, homeowner, rating):
    pro = ProFactory(marketplace=marketplace)
    connect(marketplace, homeowner, pro)
    response = api_client(marketplace, homeowner).post(URL, {"pro": pro.pk, "rating": rating})
    assert response.status_code == 400
    assert "rating" in response.json()["error"]["fields"]


def test_unknown_or_foreign_pro_is_400_naming_pro(api_client, marketplace, other_marketplace, homeowner):
    foreign = ProFactory(marketplace=other_marketplace)
    for pro_id in (foreign.pk, 999999):
        response = api_client(marketplace, homeowner).post(URL, {"pro": pro_id, "rating": 5})
        assert response.status_code == 400
        assert "pro" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", ["pro", "staff"])
def test_only_homeowners_review(api_client, marketplace, role):
    pro = ProFactory(marketplace=marketplace)
    user = UserFactory(marketplace=marketplace, role=role)
    assert api_client(marketplace, user).post(URL, {"pro": pro.pk, "rating": 5}).status_code == 403
    assert api_client(marketplace).post(URL, {"pro": pro.pk, "rating": 5}).status_code == 401


def test_a_homeowner_lists_only_its_own_reviews(api_client, marketplace, homeowner):
    mine = ReviewFactory(marketplace=marketplace, homeowner=homeowner)
    ReviewFactory(marketplace=marketplace)
    body = api_client(marketplace, homeowner).get(URL).json()
    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_more_good_reviews_raise_the_score_and_a_bad_one_lowers_it(api_client, marketplace):
    pro = ProFactory(marketplace=marketplace)
    scores = []
    for rating in (5, 5, 5, 5, 5, 1):
        reviewer = UserFactory(marketplace=marketplace, role="homeowner")  # one review per homeowner
        connect(marketplace, reviewer, pro)
        assert api_client(marketplace, reviewer).post(URL, {"pro": pro.pk, "rating": rating}).status_code == 201
        pro.refresh_from_db()
        scores.append(pro.star_score)
    assert scores[:5] == sorted(scores[:5]) and scores[4] >= 80
    assert scores[5] < scores[4]
    assert pro.review_count == 6


def test_the_nightly_recompute_applies_the_recency_decay(marketplace):
    pro = ProFactory(marketplace=marketplace)
    reviews = [ReviewFactory(marketplace=marketplace, pro=pro, rating=5) for _ in range(6)]
    star_scores_recompute_all()
    pro.refresh_from_db()
    fresh_score = pro.star_score
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(
        created_at=timezone.now() - datetime.timedelta(days=730)
    )
    assert star_scores_recompute_all() == 1
    pro.refresh_from_db()
    assert pro.star_score < fresh_score
    assert pro.review_count == 6
    assert star_scores_recompute_all() == 0  # idempotent: nothing left to change


def test_the_nightly_recompute_resets_a_pro_whose_reviews_are_gone(marketplace):
    pro = ProFactory(marketplace=marketplace, star_score=90, review_count=3)
    star_scores_recompute_all()
    assert Pro.objects.values_list("star_score", "review_count").get(pk=pro.pk) == (0, 0)
