"""Page-number pagination for every list, and its capped-count variant for lists that could
otherwise count a whole marketplace per request (the public and staff pro lists)."""

from functools import cached_property, partial
from typing import Any, cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict) -> dict:
        """DRF's shape with every key required and the links typed as URL-or-null (OpenAPI 3.1)."""
        page_link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {**page_link, "example": "http://127.0.0.1:8000/api/v1/pros/?page=3"},
                "previous": {**page_link, "example": "http://127.0.0.1:8000/api/v1/pros/?page=1"},
                "results": schema,
            },
        }


class CappedCountPaginator(Paginator):
    """Counts at most ``cap`` rows: ``SELECT count(*) FROM (<the list's keys, in its order>
    LIMIT cap + 1)``, which reads the same index the page does and stops after cap + 1 rows."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.count_is_exact = True

    @cached_property
    def count(self) -> int:
        queryset = cast("QuerySet[Any]", self.object_list)
        rows = queryset.values("pk")[: self.cap + 1].count()
        self.count_is_exact = rows <= self.cap
        return min(rows, self.cap)


class CappedCountPagination(PagePagination):
    """Pages through the first ``count_cap`` rows of the list in its order. ``count`` is exact
    up to the cap; past it ``count`` reads the cap and ``count_is_exact`` is false, and pages
    stop at the cap (a page beyond it is 404 like any page past the end). Narrowing the list
    (a filter) is how a client reaches rows past the cap."""

    count_cap = 1000

    @property
    def django_paginator_class(self):  # type: ignore[override]
        return partial(CappedCountPaginator, cap=self.count_cap)

    def get_paginated_response(self, data: Any) -> Response:
        paginator = cast("CappedCountPaginator", self.page.paginator)  # type: ignore[union-attr]
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.count_is_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        shape = super().get_paginated_response_schema(schema)
        properties = shape["properties"]
        shape["required"] = ["count", "count_is_exact", "next", "previous", "results"]
        shape["properties"] = {"count": properties["count"], "count_is_exact": {}, **properties}
        shape["properties"]["count"] = {
            "type": "integer",
            "example": 123,
            "description": f"The number of rows, counted up to {self.count_cap}: past that it reads "
            f"{self.count_cap} and `count_is_exact` is false.",
        }
        shape["properties"]["count_is_exact"] = {
            "type": "boolean",
            "description": f"False when the list holds more than {self.count_cap} rows: pages stop at "
            "the cap; narrow the list (its filters) to reach the rest.",
        }
        return shape


class KeysFirstPaginator(Paginator):
    """Picks the page's primary keys first (``ORDER BY … LIMIT … OFFSET`` over the base table
    alone, along its index), then reads those rows with their joins: the joined tables are
    probed for the page's rows only, never hash-joined whole for a deep page."""

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = cast("QuerySet[Any]", self.object_list)
        keys = queryset.values("pk")[bottom:top]
        return self._get_page(queryset.filter(pk__in=keys), number, self)  # type: ignore[attr-defined]


class KeysFirstPagination(PagePagination):
    """``PagePagination`` (same response) whose page reads its keys before its rows."""

    django_paginator_class = KeysFirstPaginator
