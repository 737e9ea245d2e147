"""OpenAPI additions: our JWT authenticator and the X-Marketplace header on every operation."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class MarketplaceJWTScheme(SimpleJWTScheme):
    target_class = "marketplace.api.authentication.MarketplaceJWTAuthentication"
    name = "jwtAuth"


MARKETPLACE_HEADER = {
    "name": "X-Marketplace",
    "in": "header",
    "required": True,
    "description": "Slug of the marketplace (tenant), e.g. `maple` or `formosa`.",
    "schema": {"type": "string"},
}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry-safe key (1-255 characters): the same key and body replays the first response.",
    "schema": {"type": "string", "maxLength": 255},
}


def add_marketplace_headers(result, generator, request, public):
    """Postprocessing hook: every /api/v1/ operation takes X-Marketplace; POSTs an Idempotency-Key."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            parameters = operation.setdefault("parameters", [])
            names = {p.get("name") for p in parameters}
            if "X-Marketplace" not in names:
                parameters.append(dict(MARKETPLACE_HEADER))
            if method == "post" and "Idempotency-Key" not in names:
                parameters.append(dict(IDEMPOTENCY_HEADER))
    return result
