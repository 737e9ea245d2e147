"""Page-number pagination for every list, its capped-count variant for lists that could
otherwise count a whole marketplace per request (the public and staff pro lists), and its
variant for a list that reads its page and count in one hand-written statement (the pro's
lead inbox)."""

import sys
from functools import cached_property, partial
from typing import Any, NamedTuple, cast

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
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


class PageWindow(NamedTuple):
    """The page a request asks for: ``number`` (None: the last page, ``?page=last``) of ``size``."""

    number: int | None
    size: int

    @property
    def offset(self) -> int:
        return ((self.number or 1) - 1) * self.size


class StatementPagination(PagePagination):
    """``PagePagination`` — same parameters, same errors, same response — for a list that reads
    its page and its count together in one statement of its own instead of paginating a
    queryset: ``window`` says which rows to read, ``respond`` answers with them and the count.

    The number is checked as Django's paginator checks it (an integer, at least 1: else 404)
    before anything is read; a page past the end comes back without rows, hence without a
    count, and is 404 too. ``?page=last`` needs the count first: ``last`` turns it into a
    number."""

    def window(self, request: Request) -> PageWindow:
        self.request = request
        size = cast("int", self.get_page_size(request))
        number = request.query_params.get(self.page_query_param) or 1
        if number in self.last_page_strings:
            return PageWindow(None, size)
        # No count yet: a paginator of unbounded length checks everything but the end. (The
        # paginators here are given a ``range`` of the count: its length is all they read.)
        return PageWindow(self._checked(Paginator(range(sys.maxsize), size), number), size)

    def last(self, window: PageWindow, *, count: int) -> PageWindow:
        return PageWindow(Paginator(range(count), window.size).num_pages, window.size)

    def respond(self, window: PageWindow, *, count: int | None, results: list[Any]) -> Response:
        """The page's response; ``count`` None: the page lies past the end (404)."""
        if count is None:
            raise NotFound(self.invalid_page_message.format(page_number=window.number, message=""))
        paginator = Paginator(range(count), window.size)
        self.page = Page(results, self._checked(paginator, window.number or 1), paginator)
        return self.get_paginated_response(results)

    def _checked(self, paginator: Paginator, number: Any) -> int:
        try:
            return paginator.validate_number(number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=str(exc))) from exc
