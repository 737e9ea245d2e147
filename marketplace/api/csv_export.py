"""CSV downloads (leads, ledger, connections): one shape, safe to open in a spreadsheet.

Exports cover a range of local days in the marketplace's time zone (``start``/``end``, both
included; the last 90 days by default, a year at most), so one file is bounded and answers
"what happened in March" the way the people reading it count days.
"""

import csv
import re
from collections.abc import Callable, Iterable

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from marketplace.api.base import MarketplaceAPIView
from marketplace.api.date_ranges import LocalDayRangeQuery
from marketplace.api.permissions import IsProMember

DEFAULT_EXPORT_DAYS = 90
MAX_EXPORT_DAYS = 366

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV
# injection): homeowners type descriptions and names, so such text gets a leading apostrophe.
# A plain number ("-25.00") cannot be a formula and stays a number.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_response(*, filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return response


class ExportRangeQuery(LocalDayRangeQuery):
    """The days an export covers: the last 90 by default, a year at most."""

    default_days = DEFAULT_EXPORT_DAYS

    def max_days(self, marketplace) -> int:
        return MAX_EXPORT_DAYS


def csv_schema(*, query: type[serializers.Serializer], columns: str):
    """OpenAPI for a CSV download: its query parameters and a text/csv body."""
    return extend_schema(
        parameters=[query],
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description=columns)},
    )


class ProCsvExportView(MarketplaceAPIView):
    """A CSV of the signed-in pro's own rows over a range of local days.

    Subclasses name the file, the header and ``row_source(*, pro, since, until, **filters)``;
    ``filters`` are the query parameters passed on to it. Decorate them with
    ``@extend_schema_view(get=csv_schema(...))`` for the OpenAPI description.
    """

    permission_classes = [IsProMember]
    query_class: type[serializers.Serializer] = ExportRangeQuery
    file_prefix = ""
    header: list[str] = []
    row_source: Callable[..., Iterable[Iterable[object]]]
    filters: tuple[str, ...] = ()

    def get(self, request):
        query = self.query_class(data=request.query_params, context={"marketplace": request.marketplace})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        pro = request.user.pro
        rows = self.row_source(
            pro=pro, since=params["since"], until=params["until"], **{name: params.get(name) for name in self.filters}
        )
        return csv_response(
            filename=f"{self.file_prefix}-{request.marketplace.slug}-pro-{pro.pk}-{params['start']}-{params['end']}.csv",
            header=self.header,
            rows=rows,
        )
