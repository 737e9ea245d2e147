from rest_framework.pagination import PageNumberPagination


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
