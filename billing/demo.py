"""Demo payment policies (``make run``): formosa sells prepaid credits as PRO360 does; maple
keeps a card charge per lead. Each formosa demo pro buys an opening NT$3,000 of credits with
its demo card (a real top-up through the local gateway), so its accepts and auto-quotes work
out of the box. Idempotent: an edited policy is kept and the opening top-up is made once."""

from django.conf import settings

from billing import wallet
from billing.models import PaymentMode, PaymentPolicy, PaymentProfile
from marketplace.models import Marketplace
from pros.models import Pro

DEMO_MODES = {"formosa": PaymentMode.PREPAID_CREDITS, "maple": PaymentMode.CARD_PER_LEAD}
OPENING_CREDIT = {"TWD": 300000}  # NT$3,000: twenty NT$150 leads


def seed(marketplace: Marketplace) -> None:
    mode = DEMO_MODES.get(marketplace.slug)
    if mode is None:
        return
    bounds = {"top_up_min": 50000, "top_up_max": 5000000} if marketplace.currency == "TWD" else {}
    policy, _ = PaymentPolicy.objects.get_or_create(marketplace=marketplace, defaults={"payment_mode": mode, **bounds})
    amount = OPENING_CREDIT.get(marketplace.currency)
    if policy.payment_mode != PaymentMode.PREPAID_CREDITS or amount is None or settings.PAYMENT_GATEWAY != "local":
        return
    carded = PaymentProfile.objects.filter(marketplace=marketplace).exclude(payment_method_token="")
    for pro in Pro.objects.filter(marketplace=marketplace, pk__in=carded.values("pro_id")):
        wallet.top_up_create(pro=pro, amount=amount, request_key="demo-opening-credit")
