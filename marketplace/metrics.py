"""Business and queue metrics (Prometheus), next to django-prometheus' request metrics.

Served at ``/metrics`` to staff and allow-listed scrapers only (``marketplace/observability.py``).
Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory per deployment): every
worker process writes its samples there and ``/metrics`` merges them.

Counters that record a write count **after the commit** (``inc_on_commit``): a rolled-back
accept is no accept. Counters of calls to the outside world (the payment provider, a pro's
webhook) count when the call returns, outside any transaction.
"""

from __future__ import annotations

from django.db import transaction
from prometheus_client import Counter, Histogram

LEADS_OFFERED = Counter("leadmarket_leads_offered", "Leads offered to pros, by lead kind.", ["kind"])
LEAD_ANSWERS = Counter(
    "leadmarket_lead_answers", "Leads answered by pros: accepted (paid, contact revealed) or rejected.", ["outcome"]
)
CHARGES = Counter(
    "leadmarket_charges",
    "Contact-fee charges sent to the payment provider, by outcome "
    "(succeeded, declined, authentication_required, provider_unavailable).",
    ["outcome"],
)
NOTIFICATIONS = Counter(
    "leadmarket_notifications",
    "Notification deliveries by channel (email, webhook) and outcome (delivered, failed, retried, skipped).",
    ["channel", "outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "leadmarket_webhook_deliveries",
    "Webhook deliveries received from the payment provider, by outcome (stored, duplicate, replayed, invalid).",
    ["provider", "outcome"],
)
ROLLUP_DURATION = Histogram(
    "leadmarket_rollup_duration_seconds",
    "Duration of one marketplace's rollup run (ranking: response rate and rank; connections: daily counts).",
    ["rollup"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)


def inc_on_commit(counter: Counter, **labels: str) -> None:
    """Count once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: counter.labels(**labels).inc(), robust=True)
