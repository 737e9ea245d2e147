"""Set-based seeding for tests that need volume (thousands of pros, tens of thousands of
leads) in a second or two: INSERT … SELECT over ``generate_series``, as a bulk load would.

No ANALYZE afterwards: callers that want fresh planner statistics run it themselves."""

from django.db import connection

from leads.models import QuoteRequest
from pros.models import Pro
from tests.factories import CategoryFactory, UserFactory

NEUTRAL = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "double precision": "0",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
}


def insert_select(table: str, values: dict[str, str], source: str) -> None:
    """INSERT INTO table SELECT … FROM source (set-based seeding); any other NOT NULL column
    without a database default gets a neutral value. Only constant SQL is interpolated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s"
            " AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id'",
            [table],
        )
        for column, data_type in cursor.fetchall():
            values.setdefault(column, NEUTRAL.get(data_type, "''"))
        cursor.execute(f"INSERT INTO {table} ({', '.join(values)}) SELECT {', '.join(values.values())} FROM {source}")  # noqa: S608


def pros_with_leads(marketplace, *, pros: int, leads_each: int = 10) -> None:
    """``pros`` pros with ``leads_each`` leads each, received over the last 20 days: every
    other pro answered only half of them (demoted at 75%), the others answered them all."""
    homeowner = UserFactory(marketplace=marketplace, role="homeowner")
    category = CategoryFactory(marketplace=marketplace)
    Pro.objects.bulk_create(
        Pro(marketplace=marketplace, name=f"Pro {n}", slug=f"pro-{n}", star_score=60) for n in range(pros)
    )
    requests = pros * leads_each // 5
    QuoteRequest.objects.bulk_create(
        QuoteRequest(
            marketplace=marketplace,
            homeowner=homeowner,
            category=category,
            source="platform",
            postal_code="M5V 3L9",
            area="M5V",
            description=f"job {n}",
            contact_name="Pat",
        )
        for n in range(requests)
    )
    pro_base = Pro.objects.filter(marketplace=marketplace).order_by("pk").values_list("pk", flat=True)[0]
    request_base = QuoteRequest.objects.filter(marketplace=marketplace).order_by("pk").values_list("pk", flat=True)[0]
    # Lead i = k * pros + n goes to pro n and request i / 5: five different pros per request.
    i, n = f"(k * {int(pros)} + (p.id - {int(pro_base)}))", f"(p.id - {int(pro_base)})"
    created = f"(now() - ({i} % 480) * interval '1 hour')"
    answered = f"({n} % 2 = 1 OR k % 2 = 0)"
    values = {
        "marketplace_id": str(int(marketplace.pk)),
        "request_id": f"{int(request_base)} + {i} / 5",
        "pro_id": "p.id",
        "kind": "'matched'",
        "status": f"CASE WHEN {answered} THEN 'accepted' ELSE 'expired' END",
        "deadline": f"{created} + interval '24 hours'",
        "fee_amount": "0",
        "fee_currency": f"'{marketplace.currency}'",
        "created_at": created,
        "responded_at": f"CASE WHEN {answered} THEN {created} + interval '30 minutes' END",
    }
    insert_select(
        "leads_lead",
        values,
        f"pros_pro p CROSS JOIN generate_series(0, {int(leads_each) - 1}) k "
        f"WHERE p.marketplace_id = {int(marketplace.pk)}",
    )
