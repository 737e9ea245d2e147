"""Demo connections: two months of clicks and exposures for the demo pros, rolled up.

Idempotent: a marketplace that already has connection events is left as it is. Lead events
come from the lead flow itself (leads.demo), through ``connection_record``.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.utils import timezone

from connections.models import ConnectionEvent, ConnectionKind
from connections.services import connection_rollup
from pros.models import Pro

DAYS = 60
SOURCES = ["", "", "", "google", "newsletter", "facebook"]


def seed(marketplace) -> None:
    clicks = (ConnectionKind.PHONE_CLICK, ConnectionKind.WEBSITE_CLICK)
    if ConnectionEvent.objects.filter(marketplace=marketplace, kind__in=clicks).exists():
        return
    pros = list(Pro.objects.filter(marketplace=marketplace, suspended=False).order_by("pk")[:20])
    if not pros:
        return
    rng = random.Random(marketplace.pk)  # noqa: S311 - demo data, not security
    now = timezone.now()
    events = []
    for pro in pros:
        popularity = rng.randint(1, 6)
        for day in range(DAYS):
            for _ in range(rng.randint(0, popularity)):
                occurred_at = now - dt.timedelta(days=day, minutes=rng.randint(0, 24 * 60 - 1))
                kind = rng.choice([ConnectionKind.PHONE_CLICK, ConnectionKind.WEBSITE_CLICK, ConnectionKind.EXPOSURE])
                events.append(
                    ConnectionEvent(
                        marketplace=marketplace,
                        pro=pro,
                        kind=kind,
                        occurred_at=occurred_at,
                        source=rng.choice(SOURCES),
                        visitor_key=f"demo:{rng.randint(1, 10_000)}",
                    )
                )
    ConnectionEvent.objects.bulk_create(events, batch_size=1000)
    today = timezone.localdate(now, timezone=ZoneInfo(marketplace.time_zone))
    connection_rollup(marketplace=marketplace, start_day=today - dt.timedelta(days=DAYS + 1), end_day=today, now=now)
