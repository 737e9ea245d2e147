"""Demo rows of the lead lifecycle (``make run``, never production).

Every demo pro gets the local gateway's succeeding test card (``pm_card_visa``), so accepting
a lead with a fee works out of the box; a demo homeowner ``asker@<slug>.test`` (password
``DEMO_PASSWORD``) can post quote requests. Idempotent: existing rows are kept.
"""

from __future__ import annotations

from django.conf import settings

from billing.models import PaymentProfile
from marketplace.models import Marketplace, Role, User
from pros.models import Pro

DEMO_CARD = "pm_card_visa"


def seed(marketplace: Marketplace) -> None:
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
