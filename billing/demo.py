"""Demo payment policies (``make run``): formosa sells prepaid credits as PRO360 does; maple
keeps a card charge per lead. Idempotent: an existing policy is left as staff edited it."""

from billing.models import PaymentMode, PaymentPolicy
from marketplace.models import Marketplace

DEMO_MODES = {"formosa": PaymentMode.PREPAID_CREDITS, "maple": PaymentMode.CARD_PER_LEAD}


def seed(marketplace: Marketplace) -> None:
    mode = DEMO_MODES.get(marketplace.slug)
    if mode is None:
        return
    bounds = {"top_up_min": 50000, "top_up_max": 5000000} if marketplace.currency == "TWD" else {}
    PaymentPolicy.objects.get_or_create(marketplace=marketplace, defaults={"payment_mode": mode, **bounds})
