"""How the OpenAPI schema is built: the contract table applied to each operation, the error
responses each operation can answer, the marketplace as a security scheme, and the final touches
(servers, tags, the error code enum, typed nulls).

``ContractAutoSchema`` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) derives from each view the errors
every operation of its kind shares and adds the ones ``marketplace.api.contract`` lists; the
``contract_postprocess`` hook finishes the document. Regenerate the committed ``openapi.yaml``
with ``make schema`` after any API change.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions

from marketplace.api.contract import EXAMPLES, OPERATIONS, TAGS

MARKETPLACE_SCHEME = "marketplace"
JWT_SCHEME = "jwtAuth"


class MarketplaceJWTScheme(SimpleJWTScheme):
    target_class = "marketplace.api.authentication.MarketplaceJWTAuthentication"
    name = JWT_SCHEME


IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry-safe key (1-255 characters): the same key and body replays the first response "
    "(with `Idempotent-Replayed: true`); the same key with another body is 422 `idempotency_key_reused`.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "example": "3f1c2a9e-7b1d-4c55-9a4e-0d6f1b2c8e11",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
LOCATION = {"Location": {"description": "Where the redirect leads.", "schema": {"type": "string"}, "required": True}}
STATUS_TEXT = {
    400: "Bad request: the body, the query or a header is invalid.",
    401: "Not signed in, or the token is invalid, expired or of another marketplace.",
    402: "Payment required: the contact fee could not be paid.",
    403: "Signed in, but this account's role may not do this.",
    404: "Not found (or not yours), or the marketplace is unknown.",
    409: "Conflict with the current state.",
    422: "The Idempotency-Key was already used with another request.",
    429: "Too many requests: slow down.",
    503: "Briefly unavailable: retry after Retry-After seconds.",
}
WITH_RETRY_AFTER = {409: {"idempotency_request_in_progress"}, 429: {"throttled"}, 503: None}

_ROLE_FREE = (permissions.AllowAny, permissions.IsAuthenticated)


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


class ContractAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, told the contract: ids, docs, security and error responses."""

    def _contract(self) -> Any:
        return OPERATIONS.get(operation_key(self.method, self.path))

    def get_operation_id(self) -> str:
        contract = self._contract()
        return contract.id if contract else super().get_operation_id()

    def get_summary(self) -> str | None:
        contract = self._contract()
        return contract.summary if contract else super().get_summary()

    def get_description(self) -> str:  # type: ignore[override]  # drf-spectacular's own signature
        contract = self._contract()
        return contract.description if contract else super().get_description()

    def get_tags(self) -> list[str]:
        contract = self._contract()
        return [contract.tag] if contract else super().get_tags()

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        scoped = self._scoped()
        operation["security"] = self._security(operation.get("security"), scoped=scoped)
        if self._honours_idempotency_key():
            operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_HEADER))
        for status, codes in sorted(self._error_codes(operation, scoped=scoped).items()):
            operation["responses"][str(status)] = error_response(status, codes)
        if "302" in operation["responses"]:
            operation["responses"]["302"]["headers"] = dict(LOCATION)
        return operation

    # --- who may call it --------------------------------------------------------------------

    def _scoped(self) -> bool:
        """Does the endpoint resolve a marketplace from the header or host?"""
        from marketplace.api.base import MarketplaceAPIView

        return isinstance(self.view, MarketplaceAPIView) and not getattr(self.view, "marketplace_from_link", False)

    def _authenticates(self) -> bool:
        return any(not getattr(auth, "optional", False) for auth in getattr(self.view, "authentication_classes", []))

    def _needs_role(self) -> bool:
        return any(not issubclass(p, _ROLE_FREE) for p in getattr(self.view, "permission_classes", []))

    def _needs_login(self) -> bool:
        return any(not issubclass(p, permissions.AllowAny) for p in getattr(self.view, "permission_classes", []))

    def _security(self, security: list | None, *, scoped: bool) -> list[dict]:
        """The marketplace scheme joins every requirement of a scoped endpoint; an optional
        token becomes "with or without jwtAuth"."""
        if not scoped:
            return []
        if not getattr(self.view, "authentication_classes", []):
            return [{MARKETPLACE_SCHEME: []}]
        if not self._authenticates():
            return [{MARKETPLACE_SCHEME: [], JWT_SCHEME: []}, {MARKETPLACE_SCHEME: []}]
        return [{MARKETPLACE_SCHEME: [], JWT_SCHEME: []}]

    def _honours_idempotency_key(self) -> bool:
        """marketplace.api.idempotency: POSTs of signed-in users on scoped endpoints."""
        return self.method == "POST" and self._scoped() and self._authenticates() and self._needs_login()

    # --- what it can answer -----------------------------------------------------------------

    def _error_codes(self, operation: dict, *, scoped: bool) -> dict[int, list[str]]:
        codes: dict[int, list[str]] = {}

        def add(status: int, *names: str) -> None:
            bucket = codes.setdefault(status, [])
            bucket.extend(name for name in names if name not in bucket)

        parameters = operation.get("parameters", [])
        has_body = self.method in ("POST", "PUT", "PATCH")
        if has_body:
            add(400, "parse_error")
            if "requestBody" in operation:
                add(400, "invalid")
        if any(p.get("in") == "query" for p in parameters):
            add(400, "invalid")
        if scoped:
            add(404, "marketplace_not_found")
        if any(p.get("in") == "path" for p in parameters) or self._is_list_view():
            add(404, "not_found")  # an unknown id, or a page past the last
        if self._authenticates():
            # simplejwt's own codes for a malformed header, an invalid token, a gone or inactive user
            add(401, "authentication_failed", "bad_authorization_header", "token_not_valid")
            add(401, "user_not_found", "user_inactive")
            if self._needs_login():
                add(401, "not_authenticated")
        if self._needs_role():
            add(403, "permission_denied")
        if self._honours_idempotency_key():
            add(400, "invalid_idempotency_key")
            add(409, "idempotency_request_in_progress", "idempotency_conflict")
            add(422, "idempotency_key_reused")
        if self.view.get_throttles():
            add(429, "throttled")
        add(503, "service_unavailable")  # the database went away mid-request
        contract = self._contract()
        for status, names in (contract.errors if contract else {}).items():
            add(status, *names)
        return {status: sorted(names) for status, names in codes.items()}


def error_response(status: int, codes: list[str]) -> dict:
    listed = ", ".join(f"`{code}`" for code in codes)
    response: dict[str, Any] = {
        "description": f"{STATUS_TEXT[status]} Codes: {listed}.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": {"code": codes[0], "message": "A sentence for people.", "fields": {}}},
            }
        },
        "x-error-codes": codes,
    }
    retry_codes = WITH_RETRY_AFTER.get(status, set())
    if status in WITH_RETRY_AFTER and (retry_codes is None or retry_codes & set(codes)):
        response["headers"] = dict(RETRY_AFTER)
    return response


# --- the finished document ----------------------------------------------------------------

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "Every 4xx and 503 answers this one shape.",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
        "example": {
            "error": {
                "code": "invalid",
                "message": "The request has invalid fields.",
                "fields": {"postal_code": ["Enter a valid postal code."]},
            }
        },
    },
    "ErrorDetail": {
        "type": "object",
        "properties": {
            "code": {"$ref": "#/components/schemas/ErrorCode"},
            "message": {"type": "string", "description": "For people; may change. Match on `code`."},
            "fields": {
                "type": "object",
                "description": "Messages per input field (`non_field_errors` for the whole body); nested "
                "inputs nest the same way. Empty when no field is at fault.",
                "additionalProperties": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "string"}},
                        {
                            "type": "object",
                            "additionalProperties": True,
                            "description": "A nested input's messages, keyed the same way.",
                        },
                    ]
                },
            },
            "request_id": {
                "type": "integer",
                "description": "`duplicate_request` only: the existing quote request for the same job.",
            },
            "decline_code": {
                "type": "string",
                "description": "`payment_declined`, `card_declined`: the provider's reason (`card_declined`, "
                "`insufficient_funds`, …).",
            },
            "client_secret": {
                "type": "string",
                "description": "`authentication_required`: confirm it on-session with the provider's SDK.",
            },
            "payment_intent": {"type": "string", "description": "`authentication_required`: the payment's id."},
            "status": {
                "$ref": "#/components/schemas/LeadStatus",
                "description": "`lead_not_pending`, `pro_not_interested`: the lead's status now.",
            },
            "reason": {
                "type": "string",
                "description": "`pro_payment_failed`: why the pro's payment failed (`payment_declined`, "
                "`authentication_required`, `insufficient_credit`, `spend_cap_reached`, "
                "`payment_method_required`); the pro must fix it.",
            },
            "balance": {"$ref": "#/components/schemas/Money", "description": "`insufficient_credit`: the balance."},
            "amount_needed": {
                "$ref": "#/components/schemas/Money",
                "description": "`insufficient_credit`: the fee to cover.",
            },
            "spent": {"type": "integer", "description": "`spend_cap_reached`: spent this week, minor units."},
            "cap": {"type": "integer", "description": "`spend_cap_reached`: the weekly cap, minor units."},
            "fee": {"type": "integer", "description": "`spend_cap_reached`: this lead's fee, minor units."},
        },
        "required": ["code", "message", "fields"],
    },
}

SERVERS: list[dict[str, Any]] = [
    {"url": "http://127.0.0.1:8000", "description": "`make run` on your machine (demo marketplaces maple, formosa)."},
    {
        "url": "https://{host}",
        "description": "A deployment. Where `host` is a marketplace's own host name, X-Marketplace may be left out.",
        "variables": {"host": {"default": "api.leadmarket.test", "description": "The API's host name."}},
    },
]

SECURITY_SCHEMES = {
    MARKETPLACE_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Marketplace",
        "description": "The marketplace (tenant) slug, e.g. `maple` or `formosa`: set it once per client. "
        "It may be left out where the API's host name is configured for one marketplace; an unknown "
        "slug is 404 `marketplace_not_found`.",
    },
}


def contract_postprocess(result: dict, generator, request, public) -> dict:
    """Finish the document: servers, tags, security schemes, the error schemas, typed nulls."""
    result["servers"] = [dict(server) for server in SERVERS]
    result["tags"] = [{"name": name, "description": text} for name, text in TAGS.items()]
    result.setdefault("info", {})["license"] = {"name": "Proprietary"}
    components = result.setdefault("components", {})
    schemes = components.setdefault("securitySchemes", {})
    schemes.pop("jwtAuthOptional", None)
    schemes.update(SECURITY_SCHEMES)
    codes: set[str] = set()
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                codes.update(response.get("x-error-codes", []))
    schemas = components.setdefault("schemas", {})
    schemas.update(ERROR_SCHEMAS)
    schemas["ErrorCode"] = {
        "type": "string",
        "enum": sorted(codes),
        "description": "Machine-readable error codes; each operation's responses list the ones it answers.",
    }
    for name, example in EXAMPLES.items():
        if name in schemas:
            schemas[name]["example"] = example
    _type_nulls(result)
    return result


def _type_nulls(node: Any) -> None:
    """OpenAPI 3.1 has no ``nullable``: what DRF still emits (pagination links) becomes a type list."""
    if isinstance(node, dict):
        if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _type_nulls(value)
    elif isinstance(node, list):
        for value in node:
            _type_nulls(value)
