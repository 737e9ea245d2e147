"""The pro's lead inbox (``GET /api/v1/pro/leads/``) in ONE statement per page.

The page statement reads, for the marketplace's pro, the page's leads newest first
(``created_at DESC, id DESC``) with their request and category, each lead's status as read
now (``effective_status``: an overdue pending lead is expired, an interest past its expiry
lapsed — ``leads.state.effective_status_expression``, spelled in SQL), each lead's offer
counts as correlated sub-selects over ``leads_lead(request_id)`` (twenty probes, no grouping),
and the number of leads the filters select as an uncorrelated scalar sub-select (run once,
over ``lead_pro_recent_idx``). The page's keys are picked first along the same index, so the
joins and the offer counts are evaluated for the page's rows only, whatever the page.

The text is built once per process for each filter shape (status or not, kind or not, by id)
and a request only binds its parameters: building the equivalent queryset with the ORM on every
request (and instantiating twenty leads, requests and categories) cost more Python than the
database spent answering it (issue 16; ``leads/services/matching.py`` does the same). Rows come
back as ``LeadRow`` tuples holding what the pro's lead JSON shows (``leads.api.lead_json``),
with the database's values converted as the ORM converts them (the backend's converters, so
the embedded SQLite default reads the same values as PostgreSQL). ``LeadRow.of`` reads the
same tuple off a ``Lead`` instance (the accept's).

A page past the end returns no row and so no count; the caller answers it as a page past the
end (404), which is all it needs to know (page 1 of an empty inbox is an empty page, count 0).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, cast

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from leads.models import Lead, LeadStatus, QuoteRequest
from leads.state import effective_status
from marketplace.models import Marketplace
from pros.models import Category


class LeadRow(NamedTuple):
    """One lead as its pro sees it: the lead, its offer counts, its request and category."""

    id: int
    pro_id: int
    kind: str
    status: str
    effective_status: str
    fee_amount: int
    fee_currency: str
    deadline: dt.datetime | None
    reject_reason: str
    created_at: dt.datetime
    responded_at: dt.datetime | None
    contact_revealed_at: dt.datetime | None
    interest_expires_at: dt.datetime | None
    quote_message: str
    quote_price_min: int | None
    quote_price_max: int | None
    offered_count: int
    accepted_count: int
    request_id: int
    area: str
    description: str
    budget_min: int | None
    budget_max: int | None
    start_date: dt.date | None
    answers: dict[str, Any]
    source: str
    contact_name: str
    contact_phone: str
    contact_email: str
    category_id: int
    category_slug: str
    category_name: str
    category_translations: Any  # the JSON as stored (decoded)

    @classmethod
    def of(cls, lead: Lead) -> LeadRow:
        """The row of a loaded lead with its ``request`` and the request's ``category``, and
        ``offered_count``/``accepted_count`` set (``effective_status`` too, else computed now)."""
        request, category = lead.request, lead.request.category
        return cls(
            lead.pk,
            lead.pro_id,
            lead.kind,
            lead.status,
            getattr(lead, "effective_status", None) or effective_status(lead),
            lead.fee_amount,
            lead.fee_currency,
            lead.deadline,
            lead.reject_reason,
            lead.created_at,
            lead.responded_at,
            lead.contact_revealed_at,
            lead.interest_expires_at,
            lead.quote_message,
            lead.quote_price_min,
            lead.quote_price_max,
            lead.offered_count,  # type: ignore[attr-defined]  # set by the selector or the service
            lead.accepted_count,  # type: ignore[attr-defined]
            request.pk,
            request.area,
            request.description,
            request.budget_min,
            request.budget_max,
            request.start_date,
            request.answers,
            request.source,
            request.contact_name,
            request.contact_phone,
            request.contact_email,
            category.pk,
            category.slug,
            category.name,
            category.translations,
        )


class LeadPage(NamedTuple):
    """``total``: the leads the filters select; None when the page lies past the end."""

    total: int | None
    rows: list[LeadRow]


# The model field behind each LeadRow column (None: computed in the statement), in order: the
# column list below and these must agree, which ``_COLUMNS`` asserts at import.
_FIELDS: tuple[tuple[type[Model], str] | None, ...] = (
    *((Lead, name) for name in ("id", "pro_id", "kind", "status")),
    None,  # effective_status
    *(
        (Lead, name)
        for name in (
            "fee_amount",
            "fee_currency",
            "deadline",
            "reject_reason",
            "created_at",
            "responded_at",
            "contact_revealed_at",
            "interest_expires_at",
            "quote_message",
            "quote_price_min",
            "quote_price_max",
        )
    ),
    None,  # offered_count
    None,  # accepted_count
    *(
        (QuoteRequest, name)
        for name in (
            "id",
            "area",
            "description",
            "budget_min",
            "budget_max",
            "start_date",
            "answers",
            "source",
            "contact_name",
            "contact_phone",
            "contact_email",
        )
    ),
    *((Category, name) for name in ("id", "slug", "name")),
    None,  # category_translations: decoded once per category (``_rows``)
)
assert len(_FIELDS) == len(LeadRow._fields)  # noqa: S101 - a programming error caught at import

_PENDING, _INTERESTED, _ACCEPTED = LeadStatus.PENDING.value, LeadStatus.INTERESTED.value, LeadStatus.ACCEPTED.value
_EXPIRED, _LAPSED = LeadStatus.EXPIRED.value, LeadStatus.LAPSED.value


def _effective(alias: str) -> str:
    """``effective_status_expression`` for the lead aliased ``alias`` (``now`` bound once)."""
    a = alias
    return (
        f"CASE WHEN {a}.status = '{_PENDING}' AND {a}.deadline IS NOT NULL AND {a}.deadline <= %(now)s "
        f"THEN '{_EXPIRED}' "
        f"WHEN {a}.status = '{_INTERESTED}' AND {a}.interest_expires_at IS NOT NULL "
        f"AND {a}.interest_expires_at <= %(now)s THEN '{_LAPSED}' ELSE {a}.status END"
    )


_COLUMNS = f"""l.id, l.pro_id, l.kind, l.status, {_effective("l")} AS effective_status,
       l.fee_amount, l.fee_currency, l.deadline, l.reject_reason, l.created_at, l.responded_at,
       l.contact_revealed_at, l.interest_expires_at, l.quote_message, l.quote_price_min, l.quote_price_max,
       (SELECT COUNT(*) FROM leads_lead o WHERE o.request_id = l.request_id) AS offered_count,
       (SELECT COUNT(*) FROM leads_lead o WHERE o.request_id = l.request_id AND o.status = '{_ACCEPTED}')
           AS accepted_count,
       r.id, r.area, r.description, r.budget_min, r.budget_max, r.start_date, r.answers, r.source,
       r.contact_name, r.contact_phone, r.contact_email,
       c.id, c.slug, c.name, c.translations"""  # noqa: S608 - constant fragments
_JOINS = """FROM leads_lead l
JOIN leads_quoterequest r ON r.id = l.request_id
JOIN pros_category c ON c.id = r.category_id"""


def _where(alias: str, *, status: bool, kind: bool) -> str:
    """The pro's leads in the marketplace, filtered by status as read now and by kind."""
    where = f"{alias}.marketplace_id = %(marketplace)s AND {alias}.pro_id = %(pro)s"
    if status:
        where += f" AND {_effective(alias)} = %(status)s"
    if kind:
        where += f" AND {alias}.kind = %(kind)s"
    return where


@lru_cache(maxsize=8)
def _page_sql(*, status: bool, kind: bool) -> str:
    """The page with its count, for one filter shape.

    The keys: ``lead_pro_recent_idx`` is ordered by ``created_at`` but not by the ``id`` that
    breaks its ties, and a pro's leads are too few of a big table for the planner to expect
    more than a handful, so ``ORDER BY created_at DESC, id DESC LIMIT`` alone reads and sorts
    every lead of the pro. The page's rows all lie at or after the creation time of the
    (offset + limit)-th newest lead (whatever the order among equal times), so the keys are
    read from that point on only: along the index, offset + limit entries and the ties. With
    fewer leads than that, from the pro's first lead."""
    where = _where("k", status=status, kind=kind)
    cutoff = f"""(SELECT c.created_at FROM leads_lead c WHERE {_where("c", status=status, kind=kind)}
                ORDER BY c.created_at DESC LIMIT 1 OFFSET %(last)s)"""  # noqa: S608
    first = (
        "(SELECT MIN(f.created_at) FROM leads_lead f WHERE f.marketplace_id = %(marketplace)s AND f.pro_id = %(pro)s)"
    )
    return f"""SELECT (SELECT COUNT(*) FROM leads_lead n WHERE {_where("n", status=status, kind=kind)}) AS total,
       {_COLUMNS}
{_JOINS}
WHERE l.id IN (SELECT k.id FROM leads_lead k WHERE {where} AND k.created_at >= COALESCE({cutoff}, {first})
               ORDER BY k.created_at DESC, k.id DESC LIMIT %(limit)s OFFSET %(offset)s)
ORDER BY l.created_at DESC, l.id DESC"""  # noqa: S608 - constant fragments; every value is a parameter


@lru_cache(maxsize=8)
def _count_sql(*, status: bool, kind: bool) -> str:
    return f"SELECT COUNT(*) FROM leads_lead n WHERE {_where('n', status=status, kind=kind)}"  # noqa: S608


_ONE_SQL = f"""SELECT {_COLUMNS}
{_JOINS}
WHERE l.id = %(lead)s AND l.marketplace_id = %(marketplace)s AND l.pro_id = %(pro)s"""  # noqa: S608

_Converter = Callable[[Any, Any, Any], Any]


@lru_cache(maxsize=4)
def _converters(vendor: str) -> tuple[tuple[int, tuple[_Converter, ...], Any], ...]:
    """(column, converters, expression) for each column the ORM would convert on this backend:
    JSON text decoded everywhere, dates and datetimes parsed on SQLite."""
    found = []
    for index, source in enumerate(_FIELDS):
        if source is None:
            continue
        model, name = source
        column = cast("Field", model._meta.get_field(name)).get_col(model._meta.db_table)
        functions = (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
        if functions:
            found.append((index, tuple(functions), column))
    return tuple(found)


_CATEGORY_ID = LeadRow._fields.index("category_id")
_TRANSLATIONS = LeadRow._fields.index("category_translations")


def _rows(raw: list[tuple]) -> list[LeadRow]:
    converters = _converters(connection.vendor)
    translations: dict[int, Any] = {}  # a page's leads share a few categories: decode each once
    rows = []
    for values in raw:
        row = list(values)
        for index, functions, expression in converters:
            value = row[index]
            for function in functions:
                value = function(value, expression, connection)
            row[index] = value
        category_id, text = row[_CATEGORY_ID], row[_TRANSLATIONS]
        if category_id not in translations:
            translations[category_id] = json.loads(text) if isinstance(text, str | bytes) else text
        row[_TRANSLATIONS] = translations[category_id]
        rows.append(LeadRow._make(row))
    return rows


def _params(
    marketplace: Marketplace,
    pro_id: int,
    now: dt.datetime | None,
    *,
    status: str | None = None,
    kind: str | None = None,
    **values: Any,
) -> dict[str, Any]:
    params = {
        "marketplace": marketplace.pk,
        "pro": pro_id,
        "now": connection.ops.adapt_datetimefield_value(now or timezone.now()),
        **values,
    }
    if status:
        params["status"] = status
    if kind:
        params["kind"] = kind
    return params


def lead_page_for_pro(
    *,
    marketplace: Marketplace,
    pro_id: int,
    limit: int,
    offset: int,
    status: str | None = None,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> LeadPage:
    """``limit`` of the pro's leads from ``offset``, newest first, filtered by the status as
    read now and by kind, with the count of the leads the filters select: one statement."""
    params = _params(
        marketplace, pro_id, now, limit=limit, offset=offset, last=offset + limit - 1, status=status, kind=kind
    )
    with connection.cursor() as cursor:
        cursor.execute(_page_sql(status=bool(status), kind=bool(kind)), params)
        raw = cursor.fetchall()
    if not raw:
        return LeadPage(total=0 if offset == 0 else None, rows=[])
    return LeadPage(total=raw[0][0], rows=_rows([values[1:] for values in raw]))


def lead_count_for_pro(
    *,
    marketplace: Marketplace,
    pro_id: int,
    status: str | None = None,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """How many of the pro's leads the filters select (for a client asking for the last page)."""
    params = _params(marketplace, pro_id, now, status=status, kind=kind)
    with connection.cursor() as cursor:
        cursor.execute(_count_sql(status=bool(status), kind=bool(kind)), params)
        return cursor.fetchone()[0]


def lead_row_for_pro(
    *, marketplace: Marketplace, pro_id: int, lead_id: int, now: dt.datetime | None = None
) -> LeadRow | None:
    """One of the pro's leads as a page shows it (None: no such lead of this pro here)."""
    with connection.cursor() as cursor:
        cursor.execute(_ONE_SQL, _params(marketplace, pro_id, now, lead=lead_id))
        raw = cursor.fetchall()
    return _rows(raw)[0] if raw else None
