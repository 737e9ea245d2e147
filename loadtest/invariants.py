"""After the load run: run the expiry job on the real worker, then check the database invariants.

- no quote request has more accepted matched leads than its marketplace's matched capacity;
- the ledger's charge entries equal the succeeded charges, per currency; no lead is charged twice;
- every accepted lead with a fee has exactly one succeeded charge (no paid accept lost);
- no lead is still pending past its deadline once the expiry job has run;
- no wallet balance, and no wallet entry's balance after it, is negative.
"""

from __future__ import annotations

import time

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from billing.models import Charge, LedgerEntry
from billing.models_wallet import Wallet, WalletEntry
from leads.models import Lead, QuoteRequest
from marketplace.celery import app


def _expire_on_worker(timeout: float = 120.0) -> float:
    started = time.monotonic()
    app.send_task("leads.tasks.leads_expire_due")
    while time.monotonic() - started < timeout:
        if not Lead.objects.filter(status="pending", deadline__lte=timezone.now()).exists():
            break
        time.sleep(0.2)
    return time.monotonic() - started


def main() -> None:
    seconds = _expire_on_worker()
    now = timezone.now()
    over_capacity = (
        QuoteRequest.objects.annotate(
            accepted=Count("leads", filter=Q(leads__kind="matched", leads__status="accepted"))
        )
        .filter(accepted__gt=F("marketplace__policy__matched_capacity"))
        .count()
    )
    ledger = dict(LedgerEntry.objects.filter(kind="charge").values_list("currency").annotate(total=Sum("amount")))
    charged = dict(Charge.objects.filter(status="succeeded").values_list("currency").annotate(total=Sum("amount")))
    double = Charge.objects.filter(status="succeeded").values("lead").annotate(n=Count("pk")).filter(n__gt=1).count()
    paid_leads = Lead.objects.filter(status="accepted", fee_amount__gt=0)
    unpaid_accepts = paid_leads.exclude(pk__in=Charge.objects.filter(status="succeeded").values("lead")).count()
    overdue = Lead.objects.filter(status="pending", deadline__lte=now).count()
    negative = Wallet.objects.filter(balance__lt=0).count() + WalletEntry.objects.filter(balance_after__lt=0).count()

    checks = [
        ("no request over matched capacity", over_capacity == 0, f"{over_capacity} over"),
        ("ledger charges equal succeeded charges", ledger == charged, f"ledger {ledger} vs charges {charged}"),
        ("no lead charged twice", double == 0, f"{double} leads with 2+ succeeded charges"),
        ("every paid accept has its charge", unpaid_accepts == 0, f"{unpaid_accepts} accepted leads without one"),
        (
            "no pending lead past its deadline after the expiry job",
            overdue == 0,
            f"{overdue} left; expiry job took {seconds:.1f} s",
        ),
        ("no wallet balance negative", negative == 0, f"{negative} negative balances"),
    ]
    totals = Lead.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    print("\nLeads by status after the run: " + ", ".join(f"{s} {n}" for s, n in totals))
    print(
        f"Succeeded charges: {Charge.objects.filter(status='succeeded').count()} ({charged}); "
        f"expiry job on the worker: {seconds:.1f} s\n"
    )
    failed = 0
    for name, ok, detail in checks:
        failed += not ok
        print(f"  {'PASS' if ok else 'FAIL'}  {name}" + ("" if ok else f"  ({detail})"))
    if failed:
        raise SystemExit(f"{failed} invariant(s) violated")
    print("\nAll invariants hold.")
