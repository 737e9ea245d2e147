"""Writes: record connection events (from the lead flow and the tracked contact endpoints).

``connection_record`` is the one entry point; the lead flow calls it inside its own
transaction, so a rolled-back lead leaves no event. Clicks go through
``connection_click_record``, which applies the counting rules (bots, staff, the pro's own
users, the per-visitor dedupe window) before calling it.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from connections.bots import is_bot
from connections.models import (
    CAMPAIGN_MAX_LENGTH,
    CLICK_KINDS,
    SOURCE_MAX_LENGTH,
    ClickGate,
    ConnectionEvent,
    ConnectionKind,
)

_GATED_INSERT_SQL = """
WITH gate AS (
    INSERT INTO connections_clickgate (marketplace_id, pro_id, kind, visitor_key, counted_at)
    VALUES (%(marketplace_id)s, %(pro_id)s, %(kind)s, %(visitor_key)s, %(occurred_at)s)
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


def _clean(value: str | None, limit: int) -> str:
    """Attribution values are free text from the URL: trimmed, control characters dropped, capped."""
    if not value:
        return ""
    text = "".join(ch for ch in str(value) if ch.isprintable()).strip()
    return text[:limit]


@transaction.atomic
def connection_record(
    *,
    marketplace,
    pro,
    kind: str,
    lead=None,
    occurred_at: dt.datetime | None = None,
    source: str = "",
    visitor_key: str = "",
    medium: str = "",
    campaign: str = "",
) -> ConnectionEvent | None:
    """Record one connection event; None when it does not count (deduplicated or repeated).

    - Lead events (``lead`` given) count once per (lead, kind): a retry returns None.
    - Click events with a ``visitor_key`` count once per (pro, kind, visitor) within
      ``marketplace.policy.click_dedupe_minutes``; the check and the insert are one statement.
    """
    if kind not in ConnectionKind.values:
        raise ValueError(f"unknown connection kind {kind!r}")
    if pro.marketplace_id != marketplace.pk or (lead is not None and lead.marketplace_id != marketplace.pk):
        raise ValueError("pro and lead must belong to the marketplace")
    event = ConnectionEvent(
        marketplace=marketplace,
        pro=pro,
        kind=kind,
        lead=lead,
        occurred_at=occurred_at or timezone.now(),
        source=_clean(source, SOURCE_MAX_LENGTH),
        medium=_clean(medium, SOURCE_MAX_LENGTH),
        campaign=_clean(campaign, CAMPAIGN_MAX_LENGTH),
        visitor_key=visitor_key[:80],
    )
    if lead is not None:
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            return None
        return event
    if kind in CLICK_KINDS and visitor_key:
        window = marketplace.policy.click_dedupe_minutes
        if window > 0:
            return _gated_insert(event, window)
    event.save(force_insert=True)
    return event


def _gated_insert(event: ConnectionEvent, window: int) -> ConnectionEvent | None:
    if connection.vendor == "postgresql":
        params = {
            "marketplace_id": event.marketplace_id,
            "pro_id": event.pro_id,
            "kind": event.kind,
            "visitor_key": event.visitor_key,
            "occurred_at": event.occurred_at,
            "window": window,
            "source": event.source,
            "medium": event.medium,
            "campaign": event.campaign,
        }
        with connection.cursor() as cursor:
            cursor.execute(_GATED_INSERT_SQL, params)
            row = cursor.fetchone()
        if row is None:
            return None
        event.pk = row[0]
        event._state.adding = False
        return event
    # Other databases (the embedded SQLite of `make run`) serialise writers: read, then write.
    gate = (
        ClickGate.objects.select_for_update()
        .filter(pro_id=event.pro_id, kind=event.kind, visitor_key=event.visitor_key)
        .first()
    )
    if gate is not None:
        if gate.counted_at > event.occurred_at - dt.timedelta(minutes=window):
            return None
        gate.counted_at = event.occurred_at
        gate.save(update_fields=["counted_at"])
    else:
        ClickGate.objects.create(
            marketplace_id=event.marketplace_id,
            pro_id=event.pro_id,
            kind=event.kind,
            visitor_key=event.visitor_key,
            counted_at=event.occurred_at,
        )
    event.save(force_insert=True)
    return event


def visitor_key_for(*, user=None, ip: str = "", user_agent: str = "", day: dt.date | None = None) -> str:
    """A user's id, or a keyed hash of address and agent whose salt changes every (UTC) day.

    The raw address is never stored; yesterday's key cannot be linked to today's.
    """
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u:{user.pk}"
    day = day or timezone.now().date()
    salt = hmac.new(settings.SECRET_KEY.encode(), f"connections-visitor:{day.isoformat()}".encode(), hashlib.sha256)
    digest = hmac.new(salt.digest(), f"{ip}\n{user_agent}".encode(), hashlib.sha256).hexdigest()
    return f"a:{digest[:40]}"


def connection_click_record(
    *,
    marketplace,
    pro,
    kind: str,
    user=None,
    ip: str = "",
    user_agent: str = "",
    source: str = "",
    medium: str = "",
    campaign: str = "",
) -> ConnectionEvent | None:
    """Record a phone or website click unless it must not count (bot, staff, the pro's own user)."""
    if kind not in CLICK_KINDS:
        raise ValueError(f"{kind!r} is not a click kind")
    if is_bot(user_agent):
        return None
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in and (user.is_staff_of(marketplace) or user.pro_id == pro.pk):
        return None
    return connection_record(
        marketplace=marketplace,
        pro=pro,
        kind=kind,
        source=source,
        medium=medium,
        campaign=campaign,
        visitor_key=visitor_key_for(user=user, ip=ip, user_agent=user_agent),
    )
