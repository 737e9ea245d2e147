"""Bench-only URLconf: the product's routes plus the click's lower bounds, plain Django views
behind the same middleware, in the same gunicorn, on the same pooled connections:

- ``bench/redirect/``: a bare redirect that never touches the database (the old reference);
- ``bench/click/<pk>/``: a bare view doing the click's work minus the framework: the visitor
  key (the same keyed hash of the client's network), then the same one gated INSERT statement
  (gate upsert and event insert, asynchronous commit), then the redirect.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import timezone

from marketplace.urls import urlpatterns as product_urlpatterns

# The product's statement (connections/services.py GATED_INSERT_ASYNC_SQL), written out here so
# the lower bound stays the same work while the product's code changes.
BARE_CLICK_SQL = """
WITH gate AS (
    INSERT INTO connections_clickgate (marketplace_id, pro_id, kind, visitor_key, counted_at)
    SELECT %(marketplace_id)s, %(pro_id)s, %(kind)s, %(visitor_key)s, %(occurred_at)s
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
    ON CONFLICT (pro_id, kind, visitor_key) DO UPDATE SET counted_at = EXCLUDED.counted_at
    WHERE connections_clickgate.counted_at <= EXCLUDED.counted_at - (%(window)s * INTERVAL '1 minute')
    RETURNING 1
)
INSERT INTO connections_connectionevent
    (marketplace_id, pro_id, kind, lead_id, occurred_at, source, medium, campaign, visitor_key)
SELECT %(marketplace_id)s, %(pro_id)s, %(kind)s, NULL, %(occurred_at)s,
       %(source)s, %(medium)s, %(campaign)s, %(visitor_key)s
FROM gate
RETURNING id
"""
BARE_TARGET = "https://pro.example.test/home"
# Set by bench_clicks before gunicorn starts (environment): the bench pro's marketplace and the
# dedupe window; a bare view does not look them up.
_MARKETPLACE = {}


def bare_redirect(request):
    return HttpResponseRedirect(BARE_TARGET)


def _visitor_key(ip: str) -> str:
    day = timezone.now().date()
    salt = hmac.new(settings.SECRET_KEY.encode(), f"connections-visitor:{day.isoformat()}".encode(), hashlib.sha256)
    return "a:" + hmac.new(salt.digest(), ip.encode(), hashlib.sha256).hexdigest()[:40]


def bare_click(request, pk: int):
    if not _MARKETPLACE:
        import os

        _MARKETPLACE.update(id=int(os.environ["BENCH_CLICK_MARKETPLACE"]), window=int(os.environ["BENCH_CLICK_WINDOW"]))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR", "")
    with connection.cursor() as cursor:
        cursor.execute(
            BARE_CLICK_SQL,
            {
                "marketplace_id": _MARKETPLACE["id"],
                "pro_id": pk,
                "kind": "website_click",
                "visitor_key": _visitor_key(ip),
                "occurred_at": timezone.now(),
                "window": _MARKETPLACE["window"],
                "source": request.GET.get("source", "")[:80],
                "medium": "",
                "campaign": "",
            },
        )
        cursor.fetchone()
    return HttpResponseRedirect(BARE_TARGET)


urlpatterns = [path("bench/redirect/", bare_redirect), path("bench/click/<int:pk>/", bare_click), *product_urlpatterns]
