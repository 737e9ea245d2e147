"""Demo rows of the lead lifecycle (``make run``, never production).

Every demo pro gets the local gateway's succeeding test card (``pm_card_visa``), so accepting
a lead with a fee works out of the box; a demo homeowner ``asker@<slug>.test`` (password
``DEMO_PASSWORD``) can post quote requests. Idempotent: existing rows are kept.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import PaymentProfile
from leads.models import Lead, LeadKind, LeadStatus, QuoteRequest, RequestSource
from marketplace.models import Marketplace, Role, User
from pros.demo import PROS, demo_homeowners
from pros.models import Pro, Review, Service
from pros.selectors import contact_fee
from pros.services import review_submit, star_scores_recompute

DEMO_CARD = "pm_card_visa"


@transaction.atomic
def seed(marketplace: Marketplace) -> None:
    _seed_reviews(marketplace)
    if settings.PAYMENT_GATEWAY != "local":
        return  # test cards exist only on the local gateway
    have = set(PaymentProfile.objects.filter(marketplace=marketplace).values_list("pro_id", flat=True))
    PaymentProfile.objects.bulk_create(
        PaymentProfile(
            marketplace=marketplace,
            pro_id=pro_id,
            gateway="local",
            payment_method_token=DEMO_CARD,
            display="Visa test card •••• 4242",
        )
        for pro_id in Pro.objects.filter(marketplace=marketplace).exclude(pk__in=have).values_list("pk", flat=True)
    )
    email = f"asker@{marketplace.slug}.test"
    if not User.objects.filter(marketplace=marketplace, email__iexact=email).exists():
        User.objects.create_user(
            email, settings.DEMO_PASSWORD, marketplace=marketplace, role=Role.HOMEOWNER, name="Demo homeowner"
        )


def _seed_reviews(marketplace: Marketplace) -> None:
    """The demo pros' reviews (ratings listed in ``pros.demo.PROS``), each on a job it took."""
    homeowners = demo_homeowners(marketplace)
    touched = []
    for index, (_name, _member, areas, _phone, _website, _description, services, ratings) in enumerate(
        PROS.get(marketplace.slug, []), start=1
    ):
        pro = Pro.objects.filter(marketplace=marketplace, slug=f"demo-{marketplace.slug}-{index}").first()
        if pro is None or not ratings or not services or Review.objects.filter(pro=pro).exists():
            continue
        service = Service.objects.filter(pro=pro, category__slug=services[0][0]).first()
        if service is None:
            continue
        _demo_reviews(
            marketplace=marketplace, pro=pro, service=service, area=areas[0], ratings=ratings, homeowners=homeowners
        )
        touched.append(pro.pk)
    if touched:
        star_scores_recompute(pro_ids=touched)  # after the reviews were spread over past months


def _demo_reviews(
    *, marketplace: Marketplace, pro: Pro, service: Service, area: str, ratings: list[int], homeowners: list[User]
) -> None:
    """Accepted leads of demo homeowners' requests, each reviewed through review_submit."""

    fee = contact_fee(marketplace=marketplace, category=service.category, kind=LeadKind.NEW)
    now = timezone.now()
    comments = [
        "Great work, on time and tidy.",
        "Fair price and good communication.",
        "Solid job.",
        "Would hire again.",
        "Some delays but the result is good.",
    ]
    for index, rating in enumerate(ratings):
        homeowner = homeowners[index % len(homeowners)]
        request = QuoteRequest.objects.create(
            marketplace=marketplace,
            homeowner=homeowner,
            category=service.category,
            source=RequestSource.PROFILE,
            target_pro=pro,
            postal_code=area,
            area=area,
            description=f"Demo job for {service.title}.",
            contact_name=homeowner.name,
            contact_email=homeowner.email,
            status="closed",
            hired_pro=pro,  # the demo jobs were hires: a real connection to review (Rule 16)
        )
        lead = Lead.objects.create(
            marketplace=marketplace,
            request=request,
            pro=pro,
            kind=LeadKind.NEW,
            status=LeadStatus.ACCEPTED,
            deadline=now,
            fee_amount=fee,
            fee_currency=marketplace.currency,
            responded_at=now,
            contact_revealed_at=now,
            quote_message="Thanks for the request, happy to help.",
        )
        # Answered the moment it arrived (created_at is stamped on save, after ``now``: a
        # slow loop would otherwise give the pro a negative response time).
        Lead.objects.filter(pk=lead.pk).update(responded_at=lead.created_at, contact_revealed_at=lead.created_at)
        review_submit(homeowner=homeowner, pro=pro, rating=rating, comment=comments[index % len(comments)])
    # Spread the demo reviews over the past months so recency visibly matters.
    for offset, review in enumerate(Review.objects.filter(pro=pro).order_by("pk")):
        Review.objects.filter(pk=review.pk).update(
            created_at=now - datetime.timedelta(days=30 * (len(ratings) - offset))
        )
