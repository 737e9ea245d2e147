"""Writes: record connection events (from the lead flow and the tracked contact endpoints).

``connection_record`` is the one entry point; the lead flow calls it inside its own
transaction, so a rolled-back lead leaves no event. Clicks go through
``connection_click_record``, which applies the counting rules (bots, staff, the pro's own
users, the per-visitor dedupe window) before calling it.
"""

import datetime as dt
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from connections.bots import is_bot
from connections.models import (
    CAMPAIGN_MAX_LENGTH,
    CLICK_KINDS,
    SOURCE_MAX_LENGTH,
    ClickGate,
    ConnectionDaily,
    ConnectionEvent,
    ConnectionKind,
    ConnectionSettings,
)
from leads.models import Lead
from marketplace import metrics
from marketplace.localtime import local_day_bounds
from marketplace.models import Marketplace, MembershipTier, User
from marketplace.network import client_network, public_web_url
from marketplace.selectors import marketplace_policy
from pros.models import Pro

# One statement: the gate upsert moves `counted_at` only when the window has passed (the
# conflicting row's lock serialises concurrent clicks), and the event is inserted only when
# the gate returned a row. {source} is either a plain VALUES row or, for a click committed
# on its own, a row that first sets synchronous_commit off for this statement's transaction.
_GATED_INSERT_SQL = """
WITH gate AS (
    INSERT INTO connections_clickgate (marketplace_id, pro_id, kind, visitor_key, counted_at)
    {source}
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
_GATE_ROW = "VALUES (%(marketplace_id)s, %(pro_id)s, %(kind)s, %(visitor_key)s, %(occurred_at)s)"
_GATE_ROW_ASYNC = (
    "SELECT %(marketplace_id)s, %(pro_id)s, %(kind)s, %(visitor_key)s, %(occurred_at)s"
    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
)
GATED_INSERT_SQL = _GATED_INSERT_SQL.format(source=_GATE_ROW)
GATED_INSERT_ASYNC_SQL = _GATED_INSERT_SQL.format(source=_GATE_ROW_ASYNC)


def _clean(value: str | None, limit: int) -> str:
    """Attribution values are free text from the URL: trimmed, control characters dropped, capped."""
    if not value:
        return ""
    text = "".join(ch for ch in str(value) if ch.isprintable()).strip()
    return text[:limit]


def connection_record(
    *,
    marketplace: Marketplace,
    pro: Pro,
    kind: str,
    lead: Lead | None = None,
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

    Every path is a single INSERT (the lead path inside a savepoint), so it is atomic on its
    own and, called inside the lead transaction, rolls back with it; the click path adds no
    BEGIN/COMMIT round trips to the redirect.
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
        window = marketplace_policy(marketplace).click_dedupe_minutes
        if window > 0:
            return _gated_insert(event, window)
    event.save(force_insert=True)
    return event


def _gated_insert(event: ConnectionEvent, window: int) -> ConnectionEvent | None:
    if connection.vendor == "postgresql":
        params: dict[str, Any] = {
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
        # A click on its own (autocommit) commits without waiting for the WAL flush: ~4 ms of
        # fsync saved per redirect, in the same single round trip. Only a PostgreSQL crash
        # within ~3 x wal_writer_delay could drop such a click, never half of one; a web or
        # worker process dying loses nothing. Inside an outer transaction, that one decides.
        autocommit = not connection.in_atomic_block
        use_async = autocommit and getattr(settings, "CONNECTIONS_CLICK_ASYNC_COMMIT", True)
        with connection.cursor() as cursor:
            cursor.execute(GATED_INSERT_ASYNC_SQL if use_async else GATED_INSERT_SQL, params)
            row = cursor.fetchone()
        if row is None:
            return None
        event.pk = row[0]
        event._state.adding = False
        return event
    # Other databases (the embedded SQLite of `make run`) serialise writers: read, then write.
    with transaction.atomic():
        return _gated_insert_portable(event, window)


def _gated_insert_portable(event: ConnectionEvent, window: int) -> ConnectionEvent | None:
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


def visitor_key_for(*, ip: str | None = "", day: dt.date | None = None) -> str:
    """A keyed hash of the client's network (its IPv4 address or IPv6 /64) whose salt changes
    every (UTC) day. Nothing else the client sends is in it: a visitor that changes its
    User-Agent, cookies or account is still the same visitor (issue #12 item 6).

    The raw address is never stored; yesterday's key cannot be linked to today's.
    """
    day = day or timezone.now().date()
    salt = hmac.new(settings.SECRET_KEY.encode(), f"connections-visitor:{day.isoformat()}".encode(), hashlib.sha256)
    digest = hmac.new(salt.digest(), client_network(ip).encode(), hashlib.sha256).hexdigest()
    return f"a:{digest[:40]}"


def click_counts(*, marketplace: Marketplace, pro_id: int, user: User | AnonymousUser | None, user_agent: str) -> bool:
    """Whether a click may count at all (before the dedupe window): never a bot's (or an empty
    User-Agent's), nor the marketplace's staff's, nor one of the pro's own users'."""
    if is_bot(user_agent):
        return False
    return not (isinstance(user, User) and (user.is_staff_of(marketplace) or user.pro_id == pro_id))


def connection_click_record(
    *,
    marketplace: Marketplace,
    pro: Pro,
    kind: str,
    user: User | AnonymousUser | None = None,
    ip: str | None = "",
    user_agent: str = "",
    source: str = "",
    medium: str = "",
    campaign: str = "",
) -> ConnectionEvent | None:
    """Record a phone or website click unless it must not count (bot, staff, the pro's own user)."""
    if kind not in CLICK_KINDS:
        raise ValueError(f"{kind!r} is not a click kind")
    if not click_counts(marketplace=marketplace, pro_id=pro.pk, user=user, user_agent=user_agent):
        return None
    return connection_record(
        marketplace=marketplace,
        pro=pro,
        kind=kind,
        source=source,
        medium=medium,
        campaign=campaign,
        visitor_key=visitor_key_for(ip=ip),
    )


# --- The tracked contact endpoints: the pro check and the count in one statement ---------

PHONE, DIAL, WEBSITE = "phone", "dial", "website"  # what a click endpoint reveals
REVEALS = (PHONE, DIAL, WEBSITE)

# Websites the counting statement may count outright: http(s), a dotted host name whose last
# label is letters (so never an IP literal, legacy spellings included), no port, no
# credentials, printable ASCII without a backslash after it, and none of the local suffixes.
# Every URL they match passes ``public_web_url`` (tests/connections/test_click_statement.py
# proves the subset); any other stored website is read first and judged in Python.
PLAIN_WEBSITE_RE = (
    r"^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,63}\.?([/?#][!-\[\]-~]*)?$"
)
LOCAL_WEBSITE_RE = r"^https?://([^/?#]*\.)?(localhost|local|internal|home\.arpa)\.?([/?#]|$)"

_HAS_CONTACT = {
    PHONE: "p.phone <> ''",
    DIAL: "regexp_replace(p.phone, '[^0-9+]', '', 'g') <> ''",
    WEBSITE: "p.website <> ''",
}
_COUNTABLE = {
    PHONE: "TRUE",
    DIAL: "TRUE",
    WEBSITE: "(p.website ~* %(plain_re)s AND p.website !~* %(local_re)s)",
}


@dataclass(frozen=True)
class ClickTarget:
    """What a tracked contact endpoint answers with, and whether this click counted."""

    phone: str
    website: str
    counted: bool


def dial_number(phone: str | None) -> str:
    """The number a ``tel:`` link dials: digits and ``+`` only."""
    return re.sub(r"[^0-9+]", "", phone or "")


@functools.cache
def click_sql(*, reveal: str, members_only: bool, count: bool, gated: bool, async_commit: bool) -> str:
    """One statement: the pro that may show this contact (this marketplace, not suspended, a
    member when the policy says so, with the phone or website at all) → the dedupe gate upsert
    → the event insert, returning the pro's phone and website (no row: 404) and the event id
    (NULL: not counted). Without ``count`` it is the pro check alone."""
    pro_where = "p.id = %(pro_id)s AND p.marketplace_id = %(marketplace_id)s AND NOT p.suspended"
    if members_only:
        pro_where += " AND p.tier = %(tier)s"
    pro_where += f" AND {_HAS_CONTACT[reveal]}"
    if not count:
        return f"SELECT p.phone, p.website, FALSE, NULL FROM pros_pro p WHERE {pro_where}"  # noqa: S608 - fixed fragments
    source = "pros_pro p"
    if async_commit:  # see _gated_insert: this transaction only, no WAL flush wait
        source += " CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
    event_values = (
        "%(marketplace_id)s, {pro}, %(kind)s, NULL, %(occurred_at)s, %(source)s, %(medium)s, %(campaign)s,"
        " %(visitor_key)s"
    )
    event_insert = (
        "INSERT INTO connections_connectionevent"
        " (marketplace_id, pro_id, kind, lead_id, occurred_at, source, medium, campaign, visitor_key)"
    )
    if gated:
        writes = f"""
gate AS (
    INSERT INTO connections_clickgate (marketplace_id, pro_id, kind, visitor_key, counted_at)
    SELECT %(marketplace_id)s, pro.id, %(kind)s, %(visitor_key)s, %(occurred_at)s FROM pro WHERE pro.countable
    ON CONFLICT (pro_id, kind, visitor_key) DO UPDATE SET counted_at = EXCLUDED.counted_at
    WHERE connections_clickgate.counted_at <= EXCLUDED.counted_at - (%(window)s * INTERVAL '1 minute')
    RETURNING pro_id
),
event AS ({event_insert} SELECT {event_values.format(pro="gate.pro_id")} FROM gate RETURNING id)"""  # noqa: S608 - fixed fragments
    else:
        writes = f"""
event AS (
    {event_insert} SELECT {event_values.format(pro="pro.id")} FROM pro WHERE pro.countable RETURNING id
)"""  # noqa: S608 - fixed fragments
    return f"""WITH pro AS (
    SELECT p.id, p.phone, p.website, {_COUNTABLE[reveal]} AS countable FROM {source} WHERE {pro_where}
),{writes}
SELECT pro.phone, pro.website, pro.countable, (SELECT id FROM event) FROM pro"""  # noqa: S608 - fixed fragments


def connection_click(
    *,
    marketplace: Marketplace,
    pro_id: int,
    kind: str,
    reveal: str,
    count: bool = True,
    user: User | AnonymousUser | None = None,
    ip: str | None = "",
    user_agent: str = "",
    source: str = "",
    medium: str = "",
    campaign: str = "",
) -> ClickTarget | None:
    """The tracked contact endpoints' read and write: None when the pro may not show this
    contact here (unknown, another marketplace's, suspended, not a member under
    ``members_only_contact_display``, or without the phone or website); else its phone and
    website, the click recorded unless ``count`` is False or ``click_counts`` says no, within
    the dedupe window. On PostgreSQL that is one statement (``click_sql``), in one round trip.
    The caller still refuses a website ``public_web_url`` refuses: such a click never counts.
    """
    if kind not in CLICK_KINDS:
        raise ValueError(f"{kind!r} is not a click kind")
    if reveal not in REVEALS:
        raise ValueError(f"{reveal!r} is not a contact a click reveals")
    policy = marketplace_policy(marketplace)
    count = count and click_counts(marketplace=marketplace, pro_id=pro_id, user=user, user_agent=user_agent)
    if connection.vendor != "postgresql":
        return _connection_click_portable(
            marketplace=marketplace,
            pro_id=pro_id,
            kind=kind,
            reveal=reveal,
            count=count,
            members_only=policy.members_only_contact_display,
            event=dict(source=source, medium=medium, campaign=campaign, visitor_key=visitor_key_for(ip=ip)),
        )
    window = policy.click_dedupe_minutes
    sql = click_sql(
        reveal=reveal,
        members_only=policy.members_only_contact_display,
        count=count,
        gated=window > 0,
        async_commit=count
        and not connection.in_atomic_block
        and getattr(settings, "CONNECTIONS_CLICK_ASYNC_COMMIT", True),
    )
    params: dict[str, Any] = {
        "pro_id": pro_id,
        "marketplace_id": marketplace.pk,
        "tier": MembershipTier.BRAND_BUILDER,
    }
    if count:
        params.update(
            kind=kind,
            occurred_at=timezone.now(),
            window=window,
            visitor_key=visitor_key_for(ip=ip),
            source=_clean(source, SOURCE_MAX_LENGTH),
            medium=_clean(medium, SOURCE_MAX_LENGTH),
            campaign=_clean(campaign, CAMPAIGN_MAX_LENGTH),
            plain_re=PLAIN_WEBSITE_RE,
            local_re=LOCAL_WEBSITE_RE,
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    phone, website, countable, event_id = row
    counted = event_id is not None
    if count and not countable and public_web_url(website):
        # A website the statement could not judge (an IP literal, a port…) but Python allows:
        # counted now, by the same gated insert, in a second statement (rare: such sites are
        # what the pros app lets through, not what most pros have).
        counted = (
            connection_record(
                marketplace=marketplace,
                pro=Pro(pk=pro_id, marketplace_id=marketplace.pk),
                kind=kind,
                source=source,
                medium=medium,
                campaign=campaign,
                visitor_key=params["visitor_key"],
            )
            is not None
        )
    return ClickTarget(phone=phone, website=website, counted=counted)


def _connection_click_portable(
    *, marketplace: Marketplace, pro_id: int, kind: str, reveal: str, count: bool, members_only: bool, event: dict
) -> ClickTarget | None:
    """The same rules with the ORM, for databases other than PostgreSQL (`make run`'s SQLite)."""
    pros = Pro.objects.filter(pk=pro_id, marketplace=marketplace, suspended=False)
    if members_only:
        pros = pros.filter(tier=MembershipTier.BRAND_BUILDER)
    pro = pros.first()
    has_contact = {PHONE: pro and pro.phone, DIAL: pro and dial_number(pro.phone), WEBSITE: pro and pro.website}
    if pro is None or not has_contact[reveal]:
        return None
    counted = False
    if count and (reveal != WEBSITE or public_web_url(pro.website)):
        counted = connection_record(marketplace=marketplace, pro=pro, kind=kind, **event) is not None
    return ClickTarget(phone=pro.phone, website=pro.website, counted=counted)


# --- Rollups and retention ---------------------------------------------------------------

_ROLLUP_SQL = """
INSERT INTO connections_connectiondaily (marketplace_id, pro_id, day, kind, source, count)
SELECT e.marketplace_id, e.pro_id, (e.occurred_at AT TIME ZONE %(tz)s)::date, e.kind, e.source, COUNT(*)
FROM connections_connectionevent e
WHERE e.marketplace_id = %(marketplace_id)s AND e.occurred_at >= %(since)s AND e.occurred_at < %(until)s
GROUP BY e.marketplace_id, e.pro_id, (e.occurred_at AT TIME ZONE %(tz)s)::date, e.kind, e.source
ON CONFLICT (pro_id, day, kind, source) DO UPDATE SET count = EXCLUDED.count
WHERE connections_connectiondaily.count IS DISTINCT FROM EXCLUDED.count
"""


@transaction.atomic
def connection_rollup(
    *, marketplace: Marketplace, start_day: dt.date, end_day: dt.date, now: dt.datetime | None = None
) -> int:
    """Recount whole local days [start_day, end_day] from raw events into ConnectionDaily.

    Idempotent: each (pro, day, kind, source) count is replaced by the recount, so running it
    twice, late, or concurrently with new events converges. Days whose raw events may already
    be pruned are never recounted (they would shrink). Returns the rows written.
    """
    with metrics.ROLLUP_DURATION.labels(rollup="connections").time():
        return _connection_rollup(marketplace=marketplace, start_day=start_day, end_day=end_day, now=now)


def _connection_rollup(
    *, marketplace: Marketplace, start_day: dt.date, end_day: dt.date, now: dt.datetime | None = None
) -> int:
    now = now or timezone.now()
    retention = connection_settings_get(marketplace=marketplace).raw_event_retention_days
    oldest_safe = (now - dt.timedelta(days=retention - 1)).astimezone(ZoneInfo(marketplace.time_zone)).date()
    start_day = max(start_day, oldest_safe)
    if start_day > end_day:
        return 0
    since, until = local_day_bounds(marketplace=marketplace, start_day=start_day, end_day=end_day)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _ROLLUP_SQL,
                {"tz": marketplace.time_zone, "marketplace_id": marketplace.pk, "since": since, "until": until},
            )
            return cursor.rowcount
    rows = (
        ConnectionEvent.objects.filter(marketplace=marketplace, occurred_at__gte=since, occurred_at__lt=until)
        .annotate(local_day=TruncDate("occurred_at", tzinfo=ZoneInfo(marketplace.time_zone)))
        .values("pro_id", "local_day", "kind", "source")
        .annotate(n=Count("id"))
        .order_by()
    )
    objs = [
        ConnectionDaily(
            marketplace=marketplace,
            pro_id=r["pro_id"],
            day=r["local_day"],
            kind=r["kind"],
            source=r["source"],
            count=r["n"],
        )
        for r in rows
    ]
    ConnectionDaily.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=["pro", "day", "kind", "source"], update_fields=["count"]
    )
    return len(objs)


def connection_rollup_recent(*, marketplace: Marketplace, days: int = 2, now: dt.datetime | None = None) -> int:
    """The last ``days`` local days including today: the periodic job keeps yesterday and
    today fresh; the nightly job catches up a week, in case the scheduler was down."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(marketplace.time_zone)).date()
    start_day = today - dt.timedelta(days=days - 1)
    return connection_rollup(marketplace=marketplace, start_day=start_day, end_day=today, now=now)


def connection_events_prune(
    *, marketplace: Marketplace, now: dt.datetime | None = None, batch_size: int | None = None
) -> int:
    """Delete raw events older than the retention period, and click gates past the dedupe
    window. Batched; returns events deleted. Their days were rolled up long before (the
    periodic rollup keeps yesterday and today fresh; retention is at least 7 days), and the
    rollup never recounts a day whose events may be pruned."""
    now = now or timezone.now()
    retention = connection_settings_get(marketplace=marketplace).raw_event_retention_days
    cutoff = now - dt.timedelta(days=retention)
    batch_size = batch_size or settings.CELERY_BATCH_SIZE
    deleted = 0
    while True:
        old = ConnectionEvent.objects.filter(marketplace=marketplace, occurred_at__lt=cutoff)
        ids = list(old.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        deleted += ConnectionEvent.objects.filter(pk__in=ids).delete()[0]
    window = dt.timedelta(minutes=marketplace_policy(marketplace).click_dedupe_minutes)
    ClickGate.objects.filter(marketplace=marketplace, counted_at__lt=now - window - dt.timedelta(days=1)).delete()
    return deleted


def connection_settings_get(*, marketplace: Marketplace) -> ConnectionSettings:
    """The marketplace's row, or an unsaved one carrying the defaults."""
    found = ConnectionSettings.objects.filter(marketplace=marketplace).first()
    return found or ConnectionSettings(marketplace=marketplace)
