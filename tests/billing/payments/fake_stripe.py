"""A local Stripe-compatible HTTP server for tests: the real `stripe` library talks to it.

It answers the endpoints the Stripe gateway uses with Stripe's object and error shapes,
replays a repeated ``Idempotency-Key`` (and refuses one reused with other parameters), and
can be told to misbehave for the next request(s): answer 500, time out *after* doing the
work, or drop the connection *after* doing the work (the "provider succeeded, we never
heard" crash). Payment methods behave like Stripe's documented test ones.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_KEY = "sk_test_local_fake"

TEST_CARDS = {
    "pm_card_visa": {"brand": "visa", "last4": "4242"},
    "pm_card_mastercard": {"brand": "mastercard", "last4": "4444"},
    "pm_card_chargeDeclined": {"brand": "visa", "last4": "0002", "decline": ("card_declined", "generic_decline")},
    "pm_card_insufficientFunds": {
        "brand": "visa",
        "last4": "9995",
        "decline": ("card_declined", "insufficient_funds"),
    },
    "pm_card_authenticationRequired": {"brand": "visa", "last4": "3155", "decline": ("authentication_required", None)},
}


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def _unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (``metadata[lead]=7``) back to nested dicts."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.customers: dict[str, dict] = {}
        self.setup_intents: dict[str, dict] = {}
        self.payment_methods: dict[str, dict] = {
            pm: {
                "id": pm,
                "object": "payment_method",
                "type": "card",
                "customer": None,
                "card": {"brand": card["brand"], "last4": card["last4"]},
            }
            for pm, card in TEST_CARDS.items()
        }
        self.payment_intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        # Events Stripe would send as webhooks, in order (tests deliver them signed).
        self.events: list[dict] = []
        self.idempotency: dict[str, tuple[str, int, dict]] = {}
        self.faults: deque[str] = deque()
        self.requests: list[tuple[str, str]] = []
        self.timeout_seconds = 3.0
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def fail_next(self, *faults: str) -> None:
        """Queue misbehaviours for the next requests: a refusal before doing any work (``"500"``,
        ``"401"``, ``"403"``, ``"429"``, ``"400"``: see ``REFUSALS``), or ``"timeout_after_work"``
        / ``"drop_after_work"`` (the work is done and remembered under its key, the answer lost)."""
        self.faults.extend(faults)

    # --- what tests reconcile against ------------------------------------------------------
    def succeeded_total(self, currency: str) -> int:
        return sum(
            pi["amount"]
            for pi in self.payment_intents.values()
            if pi["status"] == "succeeded" and pi["currency"] == currency.lower()
        )

    def refunded_total(self, currency: str) -> int:
        return sum(r["amount"] for r in self.refunds.values() if r["currency"] == currency.lower())

    # --- HTTP -----------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        params = _unflatten(parse_qsl(body if method == "POST" else url.query, keep_blank_values=True))
        self.requests.append((method, url.path))

        if handler.headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._send(handler, 401, _error("invalid_request_error", "Invalid API Key provided."))
        fault = self.faults.popleft() if self.faults else None
        if fault in REFUSALS:
            # Refused before any work: Stripe saves no idempotent result for these.
            status, payload = REFUSALS[fault]
            return self._send(handler, status, payload)

        key = handler.headers.get("Idempotency-Key") if method == "POST" else None
        fingerprint = json.dumps([url.path, params], sort_keys=True)
        with self.lock:
            if key and key in self.idempotency:
                seen_fingerprint, status, payload = self.idempotency[key]
                if seen_fingerprint != fingerprint:
                    status, payload = (
                        400,
                        _error(
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with.",
                        ),
                    )
                return self._send(handler, status, payload, replayed=True)
            status, payload = self._route(method, url.path, params)
            if key and status != 500:
                self.idempotency[key] = (fingerprint, status, payload)

        if fault == "drop_after_work":
            handler.close_connection = True
            handler.connection.close()
            return None
        if fault == "timeout_after_work":
            time.sleep(self.timeout_seconds)
        return self._send(handler, status, payload)

    def _send(self, handler, status: int, payload: dict, replayed: bool = False) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Request-Id", _new_id("req"))
            if replayed:
                handler.send_header("Idempotent-Replayed", "true")
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        if method == "POST" and parts == ["customers"]:
            customer = {
                "id": _new_id("cus"),
                "object": "customer",
                "email": params.get("email"),
                "metadata": params.get("metadata", {}),
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "POST" and parts == ["setup_intents"]:
            if params.get("customer") not in self.customers:
                return 400, _error("invalid_request_error", "No such customer.", param="customer")
            intent_id = _new_id("seti")
            intent = {
                "id": intent_id,
                "object": "setup_intent",
                "customer": params["customer"],
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
                "status": "requires_payment_method",
                "usage": params.get("usage", "off_session"),
                "payment_method": None,
                "metadata": params.get("metadata", {}),
            }
            self.setup_intents[intent_id] = intent
            return 200, intent
        if method == "POST" and len(parts) == 3 and parts[0] == "setup_intents" and parts[2] == "confirm":
            return self._setup_intent_confirm(parts[1], params)
        if method == "POST" and len(parts) == 3 and parts[0] == "payment_intents" and parts[2] == "confirm":
            return self._payment_intent_confirm(parts[1])
        if method == "POST" and len(parts) == 3 and parts[0] == "payment_intents" and parts[2] == "cancel":
            return self._payment_intent_cancel(parts[1])
        if method == "GET" and len(parts) == 2 and parts[0] == "payment_methods":
            pm = self.payment_methods.get(parts[1])
            if pm is None:
                return 404, _error(
                    "invalid_request_error", f"No such PaymentMethod: '{parts[1]}'", code="resource_missing"
                )
            return 200, pm
        if method == "POST" and len(parts) == 3 and parts[0] == "payment_methods" and parts[2] == "attach":
            pm = self.payment_methods.get(parts[1])
            if pm is None:
                return 404, _error("invalid_request_error", "No such PaymentMethod.", code="resource_missing")
            pm["customer"] = params.get("customer")
            return 200, pm
        if method == "POST" and parts == ["payment_intents"]:
            return self._payment_intent_create(params)
        if method == "GET" and parts == ["payment_intents", "search"]:
            return 200, self._payment_intent_search(params.get("query", ""))
        if method == "GET" and len(parts) == 2 and parts[0] == "payment_intents":
            intent = self.payment_intents.get(parts[1])
            if intent is None:
                return 404, _error("invalid_request_error", "No such payment_intent.", code="resource_missing")
            return 200, intent
        if method == "POST" and parts == ["refunds"]:
            return self._refund_create(params)
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _event(self, event_type: str, obj: dict) -> None:
        self.events.append({"id": _new_id("evt"), "object": "event", "type": event_type, "data": {"object": dict(obj)}})

    def _setup_intent_confirm(self, intent_id: str, params: dict) -> tuple[int, dict]:
        """What the mobile SDK does with the client secret (3-D Secure passed, if asked)."""
        intent = self.setup_intents.get(intent_id)
        pm = self.payment_methods.get(params.get("payment_method", ""))
        if intent is None or pm is None:
            return 404, _error(
                "invalid_request_error", "No such setup_intent or payment_method.", code="resource_missing"
            )
        decline = TEST_CARDS.get(pm["id"], {}).get("decline")
        if decline and decline[0] != "authentication_required":
            return 402, _error("card_error", "Your card was declined.", code=decline[0])
        pm["customer"] = intent["customer"]
        intent.update(status="succeeded", payment_method=pm["id"])
        self._event("setup_intent.succeeded", intent)
        return 200, intent

    def _payment_intent_confirm(self, intent_id: str) -> tuple[int, dict]:
        """The cardholder authenticates a payment waiting for it: it succeeds."""
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            return 404, _error("invalid_request_error", "No such payment_intent.", code="resource_missing")
        if intent["status"] in ("requires_action", "requires_payment_method"):
            intent.update(status="succeeded", latest_charge=_new_id("ch"), last_payment_error=None)
            self._event("payment_intent.succeeded", intent)
        return 200, intent

    def _payment_intent_cancel(self, intent_id: str) -> tuple[int, dict]:
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            return 404, _error("invalid_request_error", "No such payment_intent.", code="resource_missing")
        if intent["status"] == "succeeded":
            return 400, _error(
                "invalid_request_error",
                "You cannot cancel this PaymentIntent because it has a status of succeeded.",
                code="payment_intent_unexpected_state",
            )
        intent["status"] = "canceled"
        return 200, intent

    def _payment_intent_create(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            return 400, _error("invalid_request_error", "Missing required param: amount.", param="amount")
        if amount < 1:
            return 400, _error("invalid_request_error", "Amount must be at least 1.", param="amount")
        pm_id = params.get("payment_method")
        pm = self.payment_methods.get(pm_id or "")
        if pm is None:
            return 400, _error(
                "invalid_request_error",
                f"No such PaymentMethod: '{pm_id}'",
                code="resource_missing",
                param="payment_method",
            )
        if pm["customer"] and pm["customer"] != params.get("customer"):
            return 400, _error("invalid_request_error", "The PaymentMethod belongs to another customer.")
        intent_id = _new_id("pi")
        intent = {
            "id": intent_id,
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
            "object": "payment_intent",
            "amount": amount,
            "currency": params.get("currency", "").lower(),
            "customer": params.get("customer"),
            "payment_method": pm_id,
            "metadata": params.get("metadata", {}),
            "status": "succeeded",
            "latest_charge": _new_id("ch"),
            "last_payment_error": None,
            "created": int(time.time()),
        }
        decline = TEST_CARDS.get(pm_id, {}).get("decline")
        if decline:
            code, decline_code = decline
            intent.update(status="requires_payment_method", latest_charge=None)
            error = {
                "code": code,
                "decline_code": decline_code,
                "message": "Your card was declined.",
                "type": "card_error",
            }
            if code == "authentication_required":
                intent["status"] = "requires_action"
                error["message"] = "This payment requires authentication by the cardholder."
                if params.get("off_session") not in ("true", True):
                    # On-session: not an error; the app authenticates with the client secret.
                    intent.update(last_payment_error=None, next_action={"type": "use_stripe_sdk"})
                    self.payment_intents[intent["id"]] = intent
                    return 200, intent
            intent["last_payment_error"] = error
            self.payment_intents[intent["id"]] = intent
            return 402, {"error": {**error, "payment_intent": intent}}
        self.payment_intents[intent["id"]] = intent
        return 200, intent

    def _payment_intent_search(self, query: str) -> dict:
        # Supports the one query shape the gateway sends: metadata['key']:'value'.
        data = []
        if query.startswith("metadata['") and "']:'" in query:
            field, value = query[len("metadata['") :].rstrip("'").split("']:'", 1)
            data = [pi for pi in self.payment_intents.values() if pi["metadata"].get(field) == value]
        return {"object": "search_result", "data": data, "has_more": False, "url": "/v1/payment_intents/search"}

    def _refund_create(self, params: dict) -> tuple[int, dict]:
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, _error("invalid_request_error", "No such payment_intent.", param="payment_intent")
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
        amount = int(params.get("amount") or intent["amount"] - already)
        if amount + already > intent["amount"]:
            return 400, _error(
                "invalid_request_error",
                "Refund amount is greater than unrefunded amount.",
                code="charge_already_refunded",
            )
        refund = {
            "id": _new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


REFUSALS: dict[str, tuple[int, dict]] = {
    "500": (500, {"error": {"type": "api_error", "message": "An unknown error occurred."}}),
    "401": (401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****"}}),
    "403": (
        403,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "secret_key_required",
                "message": "The provided key does not have the required permissions for this endpoint.",
            }
        },
    ),
    "429": (429, {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests."}}),
    "400": (
        400,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "parameter_unknown",
                "param": "payment_method_options",
                "message": "Received unknown parameter: payment_method_options",
            }
        },
    ),
}


def _error(kind: str, message: str, *, code: str | None = None, param: str | None = None) -> dict:
    error = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return {"error": error}
