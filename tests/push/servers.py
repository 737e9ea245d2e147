"""Local servers that speak the push providers' protocols, on 127.0.0.1 (never the internet).

* ``FcmServer``: Google's OAuth token endpoint (the service account's ``token_uri``) and FCM
  HTTP v1 ``POST /v1/projects/<id>/messages:send``. Tokens starting ``gone-`` answer 404
  UNREGISTERED, ``busy-`` 429 QUOTA_EXCEEDED (once per token unless ``always_busy``), ``denied-``
  403 PERMISSION_DENIED.
* ``WebPushServer``: a push service endpoint (RFC 8030): records the encrypted body and the
  VAPID headers; paths ``/gone/...`` answer 410, ``/busy/...`` 503 (once each).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class _Server:
    def __init__(self) -> None:
        self.received: list[dict] = []
        self.seen_busy: set[str] = set()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = owner.answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                payload = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, headers: dict, body: bytes) -> tuple[int, dict | None]:
        raise NotImplementedError


def _fcm_error(status: int, grpc: str, fcm_code: str | None = None) -> dict:
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}] if fcm_code else []
    )
    return {"error": {"code": status, "message": f"{grpc} from the local FCM", "status": grpc, "details": details}}


class FcmServer(_Server):
    project_id = "leadmarket-test"

    def __init__(self, always_busy: bool = False) -> None:
        super().__init__()
        self.always_busy = always_busy
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.service_account = {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": "local-key-1",
            "private_key": pem,
            "client_email": "push@leadmarket-test.iam.gserviceaccount.com",
            "client_id": "1234567890",
            "token_uri": f"{self.base}/token",
        }

    @property
    def messages(self) -> list[dict]:
        return [r for r in self.received if r["path"].endswith("/messages:send")]

    def answer(self, path, headers, body):
        self.received.append({"path": path, "headers": headers, "body": body, "at": time.time()})
        if path == "/token":
            return 200, {"access_token": "local-access-token", "expires_in": 3600, "token_type": "Bearer"}
        if path != f"/v1/projects/{self.project_id}/messages:send":
            return 404, _fcm_error(404, "NOT_FOUND")
        if headers.get("authorization") != "Bearer local-access-token":
            return 401, _fcm_error(401, "UNAUTHENTICATED")
        token = json.loads(body)["message"]["token"]
        if token.startswith("gone-"):
            return 404, _fcm_error(404, "NOT_FOUND", "UNREGISTERED")
        if token.startswith("denied-"):
            return 403, _fcm_error(403, "PERMISSION_DENIED")
        if token.startswith("busy-") and (self.always_busy or token not in self.seen_busy):
            self.seen_busy.add(token)
            return 429, _fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")
        return 200, {"name": f"projects/{self.project_id}/messages/{len(self.messages)}"}


class WebPushServer(_Server):
    def answer(self, path, headers, body):
        self.received.append({"path": path, "headers": headers, "body": body, "at": time.time()})
        if path.startswith("/gone/"):
            return 410, None
        if path.startswith("/busy/") and path not in self.seen_busy:
            self.seen_busy.add(path)
            return 503, None
        return 201, None


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Browser:
    """A browser's push subscription: its own P-256 key and auth secret, so a test can decrypt
    what the push service received exactly as the browser would."""

    def __init__(self, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.subscription = {"endpoint": endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        import http_ece

        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


def vapid_keys() -> tuple[str, str]:
    """A VAPID key pair: (private as base64url raw 32 bytes, public as base64url point)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)
