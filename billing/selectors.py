from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from billing.models import (
    AutoTopUp,
    AutoTopUpStatus,
    Charge,
    LedgerEntry,
    LedgerKind,
    PaymentPolicy,
    TopUp,
    TopUpStatus,
    Wallet,
)
from marketplace.money import Money
from pros.models import Pro


def charges_queryset_for_pro(queryset: QuerySet[Charge], *, pro: Pro) -> QuerySet[Charge]:
    return queryset.filter(pro=pro).order_by("-created_at", "-pk")


def net_paid_rows(*, leads: QuerySet) -> QuerySet:
    """Per lead kind of these leads: ``lead_kind``, ``charged`` and ``refunded`` (ledger sums),
    unevaluated, so a caller can fold it into a larger statement; ``net_paid`` reads a row."""
    return (
        LedgerEntry.objects.filter(lead__in=leads)
        .values(lead_kind=F("lead__kind"))
        .annotate(
            charged=Sum("amount", filter=Q(kind=LedgerKind.CHARGE)),
            refunded=Sum("amount", filter=Q(kind=LedgerKind.REFUND)),
        )
        .order_by()
    )


def net_paid(*, charged: int | None, refunded: int | None) -> int:
    """What was paid: charges less refunds."""
    return (charged or 0) - (refunded or 0)


def net_paid_by_lead_kind(*, leads: QuerySet) -> dict[str, int]:
    """What the ledger says was paid for these leads (charges less refunds), by lead kind."""
    return {
        row["lead_kind"]: net_paid(charged=row["charged"], refunded=row["refunded"])
        for row in net_paid_rows(leads=leads)
    }


def payment_policy(*, marketplace_id: int) -> PaymentPolicy:
    """The marketplace's payment policy; the defaults (card per lead) when it has none saved."""
    return PaymentPolicy.objects.filter(marketplace_id=marketplace_id).first() or PaymentPolicy(
        marketplace_id=marketplace_id
    )


def wallet_summary(*, pro: Pro) -> dict:
    """What ``GET /pro/wallet/`` shows: balance, open top-ups, mode and bounds (Money dicts)."""
    policy = payment_policy(marketplace_id=pro.marketplace_id)
    currency = pro.marketplace.currency
    balance = Wallet.objects.filter(pro=pro).values_list("balance", flat=True).first() or 0
    return {
        "payment_mode": policy.payment_mode,
        "balance": Money(balance, currency).as_json(),
        "pending_top_ups": list(
            TopUp.objects.filter(pro=pro, status__in=[TopUpStatus.PENDING, TopUpStatus.REQUIRES_ACTION]).order_by(
                "-created_at"
            )
        ),
        "auto_top_up": auto_top_up_summary(pro=pro),
        "top_up_min": Money(policy.top_up_min, currency).as_json(),
        "top_up_max": Money(policy.top_up_max, currency).as_json(),
    }


def auto_top_up_summary(*, pro: Pro) -> dict | None:
    """The pro's consent to automatic top-ups as the API shows it; None without one."""
    from billing.auto_top_up import auto_top_ups_this_month  # it uses this module

    consent = AutoTopUp.objects.filter(pro=pro).exclude(status=AutoTopUpStatus.WITHDRAWN).first()
    if consent is None:
        return None
    used = auto_top_ups_this_month(pro_id=pro.pk, time_zone=pro.marketplace.time_zone, now=timezone.now())
    return {
        "status": consent.status,
        "threshold": Money(consent.threshold, consent.currency).as_json(),
        "amount": Money(consent.amount, consent.currency).as_json(),
        "monthly_limit": Money(consent.monthly_limit, consent.currency).as_json(),
        "used_this_month": Money(used, consent.currency).as_json(),
        "attention_reason": consent.attention_reason,
        "attention_top_up": consent.attention_top_up_id,
        "consented_at": consent.consented_at,
    }
