"""``/metrics``: Prometheus metrics for staff and allow-listed scrapers, never the public.

Serves django-prometheus' request metrics, our business metrics (``marketplace/metrics.py``)
and the Celery queue metrics below. Access (any one suffices):

- a signed-in staff user (an admin session: marketplace staff or platform superuser);
- ``Authorization: Bearer <METRICS_TOKEN>`` when ``METRICS_TOKEN`` is set (what a Prometheus
  scrape config sends);
- a client address listed in ``METRICS_ALLOWED_IPS`` — the scraper's own address when it
  reaches the web process directly, never a reverse proxy's (that would open it to everyone).

Everyone else gets the standard 403 error body.
"""

from __future__ import annotations

import hmac
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from marketplace.api.errors import json_403

logger = structlog.get_logger(__name__)

PUBLISHED_AT_HEADER = "published_at"


def metrics_allowed(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    auth = request.headers.get("Authorization", "")
    if token and auth.startswith("Bearer ") and hmac.compare_digest(auth.removeprefix("Bearer "), token):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return json_403(request)
    response = ExportToDjangoView(request)  # request + business metrics (multiprocess-aware)
    response.content += generate_latest(QUEUE_REGISTRY)
    response["Cache-Control"] = "no-store"
    return response


# --- Celery queues ---------------------------------------------------------------------------


def celery_publish_stamp(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """``before_task_publish``: stamp each message with its publish time, so the queue's
    oldest pending message has a known age."""
    if headers is not None:
        headers.setdefault(PUBLISHED_AT_HEADER, time.time())


class CeleryQueueCollector(Collector):
    """At scrape time: how many messages wait in each queue and how old the oldest is.

    Redis broker: ``LLEN`` and the tail of each queue's list (Celery pushes on the left and
    workers pop from the right). Filesystem broker (``make run``): the queue folder's files.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        length = GaugeMetricFamily(
            "leadmarket_celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "leadmarket_celery_queue_oldest_age_seconds",
            "Age of the oldest message waiting in the Celery queue (0 when empty).",
            labels=["queue"],
        )
        try:
            for queue, count, age in queue_stats():
                length.add_metric([queue], count)
                oldest.add_metric([queue], age)
        except Exception as exc:  # a broker outage must not break the metrics page
            logger.warning("metrics_queue_stats_unavailable", error=str(exc)[:300])
        yield length
        yield oldest


def queue_stats(now: float | None = None) -> list[tuple[str, int, float]]:
    """(queue, waiting messages, age of the oldest in seconds) per queue of ``METRICS_CELERY_QUEUES``."""
    now = now or time.time()
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        import redis  # only with a Redis broker

        client = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
        stats = []
        for queue in settings.METRICS_CELERY_QUEUES:
            count = int(client.llen(queue))
            tail = client.lindex(queue, -1) if count else None
            stats.append((queue, count, _age(tail, now) if tail else 0.0))
        return stats
    if broker.startswith("filesystem://"):
        folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        files = [entry.stat().st_mtime for entry in os.scandir(folder) if entry.is_file()]
        return [("celery", len(files), max(0.0, now - min(files)) if files else 0.0)]
    return []


def _age(raw: bytes | str, now: float) -> float:
    try:
        published = float(json.loads(raw).get("headers", {}).get(PUBLISHED_AT_HEADER))
    except (TypeError, ValueError, AttributeError):
        return 0.0  # published before stamping was deployed: unknown
    return max(0.0, now - published)


QUEUE_REGISTRY = CollectorRegistry(auto_describe=False)  # never read the broker at import
QUEUE_REGISTRY.register(CeleryQueueCollector())
