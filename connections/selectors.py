"""Reads: dashboards answer from the daily rollups (never from raw events) and, for the
closed loop, from the pro's leads. The marketplace is always an explicit argument."""

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from billing.selectors import net_paid, net_paid_rows
from connections.models import ConnectionDaily, ConnectionKind
from connections.services import connection_settings_get
from leads.models import Lead, LeadStatus
from marketplace.db_routers import read_as_of, replica_reads
from marketplace.localtime import local_day_bounds
from marketplace.models import Marketplace
from marketplace.money import Money
from pros.models import Pro

KINDS: list[str] = list(ConnectionKind.values)


class Bucket:
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CHOICES = (DAY, WEEK, MONTH)


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "DateRange":
        length = dt.timedelta(days=self.days)
        return DateRange(self.start - length, self.start - dt.timedelta(days=1))


def max_range_days(*, marketplace: Marketplace) -> int:
    return connection_settings_get(marketplace=marketplace).max_range_days


def connection_daily_counts(
    *, marketplace: Marketplace, start: dt.date, end: dt.date, pro: Pro | None = None
) -> QuerySet:
    queryset = ConnectionDaily.objects.filter(marketplace=marketplace, day__gte=start, day__lte=end)
    if pro is not None:
        queryset = queryset.filter(pro=pro)
    return queryset


def bucket_start(day: dt.date, bucket: str) -> dt.date:
    if bucket == Bucket.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if bucket == Bucket.MONTH:
        return day.replace(day=1)
    return day


def _bucket_starts(period: DateRange, bucket: str) -> list[dt.date]:
    starts, day = [], bucket_start(period.start, bucket)
    while day <= period.end:
        starts.append(day)
        if bucket == Bucket.DAY:
            day += dt.timedelta(days=1)
        elif bucket == Bucket.WEEK:
            day += dt.timedelta(days=7)
        else:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return starts


def _zero() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


def _series_rows(
    *, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None = None
) -> list[tuple[dt.date, str, int]]:
    """(bucket start, kind, count), grouped in the database: at most buckets x kinds rows."""
    queryset = connection_daily_counts(marketplace=marketplace, start=period.start, end=period.end, pro=pro)
    if bucket == Bucket.WEEK:
        queryset = queryset.annotate(bucket=TruncWeek("day"))
    elif bucket == Bucket.MONTH:
        queryset = queryset.annotate(bucket=TruncMonth("day"))
    else:
        queryset = queryset.annotate(bucket=F("day"))
    rows = queryset.values_list("bucket", "kind").annotate(n=Sum("count")).order_by()
    return [(key.date() if isinstance(key, dt.datetime) else key, kind, n) for key, kind, n in rows]


def _source_rows(*, marketplace: Marketplace, period: DateRange, pro: Pro | None = None) -> list[tuple[str, str, int]]:
    """(source, kind, count): the breakdown by source, and summed over sources, the totals."""
    queryset = connection_daily_counts(marketplace=marketplace, start=period.start, end=period.end, pro=pro)
    return list(queryset.values_list("source", "kind").annotate(n=Sum("count")).order_by())


def _series(rows: list[tuple[dt.date, str, int]], period: DateRange, bucket: str) -> list[dict]:
    by_bucket: dict[dt.date, dict[str, int]] = defaultdict(_zero)
    for key, kind, n in rows:
        by_bucket[key][kind] += n
    return [
        {"bucket": start, "counts": by_bucket[start], "total": sum(by_bucket[start].values())}
        for start in _bucket_starts(period, bucket)
    ]


def _totals(rows: list[tuple[str, str, int]]) -> dict[str, int]:
    totals = _zero()
    for _source, kind, n in rows:
        totals[kind] += n
    return totals


def _sources(rows: list[tuple[str, str, int]]) -> list[dict]:
    by_source: dict[str, dict[str, int]] = defaultdict(_zero)
    for source, kind, n in rows:
        by_source[source][kind] += n
    out = [{"source": source, "counts": counts, "total": sum(counts.values())} for source, counts in by_source.items()]
    return sorted(out, key=lambda item: (-item["total"], item["source"]))


def connection_series(
    *, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None = None
) -> list[dict]:
    """Counts per bucket (local days; weeks start on Monday) and kind, empty buckets included."""
    return _rollup_figures(marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=None).series


def connection_totals(*, marketplace: Marketplace, period: DateRange, pro: Pro | None = None) -> dict[str, int]:
    queryset = connection_daily_counts(marketplace=marketplace, start=period.start, end=period.end, pro=pro)
    totals = _zero()
    for kind, n in queryset.values_list("kind").annotate(n=Sum("count")).order_by():
        totals[kind] = n
    return totals


def _change(current: int, previous: int) -> dict:
    percent = None
    if previous:
        percent = float((Decimal(current - previous) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return {"current": current, "previous": previous, "absolute": current - previous, "percent": percent}


# --- Closed loop -------------------------------------------------------------------------

LOOP_SOURCES = ("profile", "matched", "promotion", "phone", "website")
_LEAD_KIND_TO_SOURCE = {"new": "profile", "matched": "matched", "promotion": "promotion"}


@dataclass(frozen=True)
class LeadFigures:
    """The closed loop's reads: per lead kind ``{kind, leads, accepted, hires}``, and the net
    paid per lead kind (``billing.selectors.net_paid``)."""

    rows: list[dict]
    paid: dict[str, int]


def _closed_loop_querysets(
    *, marketplace: Marketplace, period: DateRange, pro: Pro | None
) -> tuple[QuerySet, QuerySet]:
    """The leads created in the period (local days) counted per kind, and what the ledger says
    was paid for them (``billing.selectors.net_paid_rows``), both unevaluated."""
    since, until = local_day_bounds(marketplace=marketplace, start_day=period.start, end_day=period.end)
    return _closed_loop_querysets_for(
        marketplace_id=marketplace.pk, pro_id=pro.pk if pro is not None else None, since=since, until=until
    )


def _closed_loop_querysets_for(
    *, marketplace_id: int, pro_id: int | None, since: dt.datetime, until: dt.datetime
) -> tuple[QuerySet, QuerySet]:
    leads = Lead.objects.filter(marketplace_id=marketplace_id, created_at__gte=since, created_at__lt=until)
    if pro_id is not None:
        leads = leads.filter(pro_id=pro_id)
    accepted = Q(status=LeadStatus.ACCEPTED)
    rows = (
        leads.values("kind")
        .annotate(
            leads=Count("id"),
            accepted=Count("id", filter=accepted),
            hires=Count("id", filter=accepted & Q(request__hired_pro_id=F("pro_id"))),
        )
        .order_by()
    )
    return rows, net_paid_rows(leads=leads)


def connection_closed_loop(
    *,
    marketplace: Marketplace,
    period: DateRange,
    pro: Pro | None = None,
    totals: dict | None = None,
    lead_figures: LeadFigures | None = None,
) -> list[dict]:
    """Spend, leads, hires, cost per hire and win rate per source over the period.

    Lead sources come from the pro's leads created in the period (local days): spend is what
    the ledger says was paid for them (contact-fee charges less refunds); a hire is
    an accepted lead whose request names the pro as hired; win rate = hires / accepted leads.
    Phone and website clicks are free and a hire after a call happens off the platform, so
    they carry their click counts with no spend and no hire figures.
    """
    if lead_figures is None:
        rows_queryset, paid_queryset = _closed_loop_querysets(marketplace=marketplace, period=period, pro=pro)
        lead_figures = LeadFigures(
            rows=list(rows_queryset),
            paid={
                row["lead_kind"]: net_paid(charged=row["charged"], refunded=row["refunded"]) for row in paid_queryset
            },
        )
    rows, paid = lead_figures.rows, lead_figures.paid
    by_source = {source: {"leads": 0, "accepted": 0, "spend": 0, "hires": 0} for source in LOOP_SOURCES[:3]}
    for row in rows:
        source = _LEAD_KIND_TO_SOURCE.get(row["kind"])
        if source is None:
            continue
        for key in ("leads", "accepted", "hires"):
            by_source[source][key] += row[key] or 0
    for lead_kind, amount in paid.items():
        source = _LEAD_KIND_TO_SOURCE.get(lead_kind)
        if source is not None:
            by_source[source]["spend"] += amount
    clicks = totals if totals is not None else connection_totals(marketplace=marketplace, period=period, pro=pro)
    currency = marketplace.currency
    out = []
    for source, figures in by_source.items():
        hires = figures["hires"]
        out.append(
            {
                "source": source,
                "leads": figures["leads"],
                "accepted": figures["accepted"],
                "hires": hires,
                "spend": Money(figures["spend"], currency).as_json(),
                "cost_per_hire": Money(_div_round(figures["spend"], hires), currency).as_json() if hires else None,
                "win_rate": _rate(hires, figures["accepted"]),
            }
        )
    for source, kind in (("phone", ConnectionKind.PHONE_CLICK), ("website", ConnectionKind.WEBSITE_CLICK)):
        out.append(
            {
                "source": source,
                "leads": clicks[kind],
                "accepted": None,
                "hires": None,
                "spend": Money(0, currency).as_json(),
                "cost_per_hire": None,
                "win_rate": None,
            }
        )
    return out


def _div_round(amount: int, count: int) -> int:
    return int((Decimal(amount) / count).quantize(Decimal("1"), ROUND_HALF_UP))


def _rate(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) / whole).quantize(Decimal("0.001"), ROUND_HALF_UP))


def connection_dashboard(*, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None = None) -> dict:
    """Everything the dashboard shows, from rollups (and leads for the closed loop).

    Display only, so every read may go to the read replica when one is configured.
    """
    now = timezone.now()
    with replica_reads():
        data = _dashboard(marketplace=marketplace, period=period, bucket=bucket, pro=pro)
    return {**data, "as_of": read_as_of(now)}


def _dashboard(*, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None = None) -> dict:
    previous = period.previous()
    figures, lead_figures = _dashboard_figures(marketplace=marketplace, period=period, bucket=bucket, pro=pro)
    totals, previous_totals = figures.totals, figures.previous_totals
    change = {kind: _change(totals[kind], previous_totals[kind]) for kind in KINDS}
    change["all"] = _change(sum(totals.values()), sum(previous_totals.values()))
    return {
        "pro": pro.pk if pro is not None else None,
        "time_zone": marketplace.time_zone,
        "start": period.start,
        "end": period.end,
        "bucket": bucket,
        "previous_start": previous.start,
        "previous_end": previous.end,
        "series": figures.series,
        "totals": {**totals, "all": sum(totals.values())},
        "change": change,
        "sources": figures.sources,
        "closed_loop": connection_closed_loop(
            marketplace=marketplace, period=period, pro=pro, totals=totals, lead_figures=lead_figures
        ),
    }


def _dashboard_figures(
    *, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None
) -> tuple["RollupFigures", LeadFigures | None]:
    """The whole dashboard's reads. On PostgreSQL one statement, one round trip: the rollup
    figures (``_rollup_statement``), then the closed loop's lead counts and paid sums (the ORM
    querysets of ``_closed_loop_querysets``, compiled and folded in with UNION ALL)."""
    previous = period.previous()
    alias = router.db_for_read(ConnectionDaily) or DEFAULT_DB_ALIAS
    if connections[alias].vendor != "postgresql":
        return _rollup_figures_portable(
            marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=previous
        ), None
    rollup_sql, rollup_params = _rollup_statement(
        marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=previous
    )
    since, until = local_day_bounds(marketplace=marketplace, start_day=period.start, end_day=period.end)
    values = {
        _SENTINELS["marketplace_id"]: marketplace.pk,
        _SENTINELS["pro_id"]: pro.pk if pro is not None else None,
        _SENTINELS["since"]: since,
        _SENTINELS["until"]: until,
    }
    (lead_sql, lead_stand_ins), (paid_sql, paid_stand_ins) = _closed_loop_sql(alias=alias, per_pro=pro is not None)
    lead_params = [values.get(param, param) for param in lead_stand_ins]
    paid_params = [values.get(param, param) for param in paid_stand_ins]
    sql = f"""
WITH rollup AS ({rollup_sql})
SELECT 0, rollup.* FROM rollup
UNION ALL
SELECT 1, NULL, NULL, NULL, l.kind, l.leads, l.accepted, l.hires, 0, 0, 0 FROM ({lead_sql}) l
UNION ALL
SELECT 2, NULL, NULL, NULL, p.lead_kind, p.charged::bigint, p.refunded::bigint, 0, 0, 0, 0 FROM ({paid_sql}) p
"""  # noqa: S608 - fixed fragments and compiled querysets; every value is a parameter
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [*rollup_params, *lead_params, *paid_params])
        rows = cursor.fetchall()
    rollup_rows = [row[1:] for row in rows if row[0] == 0]
    lead_figures = LeadFigures(
        rows=[
            {"kind": kind, "leads": leads, "accepted": accepted, "hires": hires}
            for section, _, _, _, kind, leads, accepted, hires, *_ in rows
            if section == 1
        ],
        paid={
            kind: net_paid(charged=charged, refunded=refunded)
            for section, _, _, _, kind, charged, refunded, *_ in rows
            if section == 2
        },
    )
    return _figures_from_rows(rollup_rows, period=period, bucket=bucket), lead_figures


# The closed loop's querysets are built and compiled once per shape (Django's query building
# and compiling was half the dashboard's Python time), with these stand-ins for the request's
# values; each call binds its own values in their place. Values no real request has.
_SENTINELS: dict[str, Any] = {
    "marketplace_id": -73_019_461,
    "pro_id": -73_019_462,
    "since": dt.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC),
    "until": dt.datetime(1902, 3, 4, 5, 6, 7, 891, tzinfo=dt.UTC),
}


@functools.cache
def _closed_loop_sql(*, alias: str, per_pro: bool) -> tuple[tuple[str, tuple], tuple[str, tuple]]:
    """The compiled SQL and parameters (stand-ins included) of ``_closed_loop_querysets_for``."""
    rows, paid = _closed_loop_querysets_for(
        marketplace_id=_SENTINELS["marketplace_id"],
        pro_id=_SENTINELS["pro_id"] if per_pro else None,
        since=_SENTINELS["since"],
        until=_SENTINELS["until"],
    )
    compiled = tuple(queryset.query.get_compiler(alias).as_sql() for queryset in (rows, paid))
    stand_ins = {value for key, value in _SENTINELS.items() if per_pro or key != "pro_id"}
    for _sql, params in compiled:  # every stand-in must be a parameter, or binding would be wrong
        if not stand_ins <= set(params):
            raise RuntimeError("the closed loop's compiled SQL does not carry its values as parameters")
    return (compiled[0][0], tuple(compiled[0][1])), (compiled[1][0], tuple(compiled[1][1]))


@dataclass(frozen=True)
class RollupFigures:
    series: list[dict]
    totals: dict[str, int]
    previous_totals: dict[str, int]
    sources: list[dict]


_BUCKET_SQL = {
    Bucket.DAY: "d.day",
    Bucket.WEEK: "date_trunc('week', d.day::timestamp)::date",  # ISO weeks: Monday
    Bucket.MONTH: "date_trunc('month', d.day::timestamp)::date",
}
_KIND_SUMS = ", ".join("COALESCE(SUM(r.count) FILTER (WHERE r.kind = %s), 0)" for _ in KINDS)

# One scan of the pro's (or the marketplace's) rollup rows over both periods, through the
# (marketplace, pro, day) index that carries kind, source and count (an index-only scan):
# per bucket of the period, per source of the period, and the previous period as one row
# (its bucket is NULL), each pivoted to one count per kind. Parameters: the kinds, the
# period's start twice, the marketplace, [the pro], the previous period's start, the end.
_ROLLUP_SQL = f"""
SELECT GROUPING(r.bucket) = 1 AS by_source, r.current, r.bucket, r.source, {_KIND_SUMS}
FROM (
    SELECT d.day >= %s AS current, CASE WHEN d.day >= %s THEN {{bucket}} END AS bucket,
           d.source, d.kind, d.count
    FROM connections_connectiondaily d
    WHERE d.marketplace_id = %s {{pro}} AND d.day >= %s AND d.day <= %s
) r
GROUP BY GROUPING SETS ((r.current, r.bucket), (r.current, r.source))
"""  # noqa: S608 - fixed fragments; every value is a parameter


def _rollup_statement(
    *, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None, previous: DateRange | None
) -> tuple[str, list]:
    sql = _ROLLUP_SQL.format(bucket=_BUCKET_SQL[bucket], pro="AND d.pro_id = %s" if pro is not None else "")
    since = previous.start if previous is not None else period.start
    params = [*KINDS, period.start, period.start, marketplace.pk, *([pro.pk] if pro is not None else []), since]
    return sql, [*params, period.end]


def _rollup_figures(
    *, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None, previous: DateRange | None
) -> RollupFigures:
    """Series, totals, sources and the previous period's totals from the daily rollups: on
    PostgreSQL one statement (``_rollup_statement``)."""
    alias = router.db_for_read(ConnectionDaily) or DEFAULT_DB_ALIAS
    if connections[alias].vendor != "postgresql":
        return _rollup_figures_portable(
            marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=previous
        )
    sql, params = _rollup_statement(marketplace=marketplace, period=period, bucket=bucket, pro=pro, previous=previous)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _figures_from_rows(rows, period=period, bucket=bucket)


def _figures_from_rows(rows: list, *, period: DateRange, bucket: str) -> RollupFigures:
    """The statement's rows → the figures, one pass; buckets without rows are zero."""
    by_bucket: dict[dt.date, tuple[int, ...]] = {}
    previous_counts: tuple[int, ...] = (0,) * len(KINDS)
    source_counts: list[tuple[str, tuple[int, ...]]] = []
    for by_source, current, key, source, *counts in rows:
        if by_source:
            if current:
                source_counts.append((source, tuple(counts)))
        elif current:
            by_bucket[key] = tuple(counts)
        else:
            previous_counts = tuple(counts)
    zero = (0,) * len(KINDS)
    series = []
    for start in _bucket_starts(period, bucket):
        counts = by_bucket.get(start, zero)
        series.append({"bucket": start, "counts": dict(zip(KINDS, counts, strict=True)), "total": sum(counts)})
    columns = zip(*(counts for _, counts in source_counts), strict=True) if source_counts else zip(zero)
    totals = dict(zip(KINDS, (sum(column) for column in columns), strict=True))
    sources = [
        {"source": source, "counts": dict(zip(KINDS, counts, strict=True)), "total": sum(counts)}
        for source, counts in sorted(source_counts, key=lambda pair: (-sum(pair[1]), pair[0]))
    ]
    return RollupFigures(
        series=series,
        totals=totals,
        previous_totals=dict(zip(KINDS, previous_counts, strict=True)),
        sources=sources,
    )


def _rollup_figures_portable(
    *, marketplace: Marketplace, period: DateRange, bucket: str, pro: Pro | None, previous: DateRange | None
) -> RollupFigures:
    """The same figures with the ORM, for databases other than PostgreSQL (`make run`'s SQLite)."""
    source_rows = _source_rows(marketplace=marketplace, period=period, pro=pro)
    rows = _series_rows(marketplace=marketplace, period=period, bucket=bucket, pro=pro)
    return RollupFigures(
        series=_series(rows, period, bucket),
        totals=_totals(source_rows),
        previous_totals=connection_totals(marketplace=marketplace, period=previous, pro=pro)
        if previous is not None
        else _zero(),
        sources=_sources(source_rows),
    )


def connection_pro_totals(*, marketplace: Marketplace, start: dt.date, end: dt.date) -> QuerySet:
    """Per-pro counts by kind over [start, end], biggest first (admin)."""
    kind_sums = {kind: Sum("count", filter=Q(kind=kind)) for kind in KINDS}
    return (
        connection_daily_counts(marketplace=marketplace, start=start, end=end)
        .values("pro_id", "pro__name")
        .annotate(total=Sum("count"), **kind_sums)
        .order_by("-total", "pro__name")
    )
