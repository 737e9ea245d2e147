"""The two push providers behind one small interface: send to a few devices, classify the
outcome of each as ``sent``, ``invalid`` (the provider says the token is gone: prune it),
``transient`` (worth a retry later) or ``failed`` (our mistake or a refused credential:
retrying would only repeat it).

* Android and iOS go through Firebase Cloud Messaging's HTTP v1 API with ``firebase-admin``
  (one service-account credential, ``PUSH_FCM_CREDENTIALS``). ``PUSH_FCM_API_BASE`` points the
  SDK at another host (tests run a local FCM-compatible server; the service account's own
  ``token_uri`` says where OAuth tokens come from).
* Web browsers go through Web Push with VAPID (``pywebpush``): the payload is encrypted
  (RFC 8291, aes128gcm) for the subscription's keys and POSTed to its endpoint.
"""

from __future__ import annotations

import contextlib
import json
import threading
import warnings
from dataclasses import dataclass
from typing import Literal

import firebase_admin
import structlog
from django.conf import settings
from firebase_admin import credentials, messaging
from firebase_admin import exceptions as fcm_errors
from pywebpush import WebPushException, webpush
from requests import RequestException

from push.models import Device, Platform

logger = structlog.get_logger(__name__)

Outcome = Literal["sent", "invalid", "transient", "failed"]
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str
    data: dict[str, str]


@dataclass(frozen=True)
class PushResult:
    device_id: int
    outcome: Outcome
    error: str = ""


def push_send(*, devices: list[Device], message: PushMessage) -> list[PushResult]:
    """Send ``message`` to every device (FCM ones in one batch) and say how each went."""
    results: list[PushResult] = []
    fcm_devices = [d for d in devices if d.platform in (Platform.ANDROID, Platform.IOS)]
    if fcm_devices:
        results.extend(_fcm_send(fcm_devices, message))
    results.extend(_webpush_send(d, message) for d in devices if d.platform == Platform.WEB)
    return results


# --- FCM ---------------------------------------------------------------------------------

_fcm_lock = threading.Lock()
_FCM_APP_NAME = "leadmarket"

# FCM error classes: a token the provider no longer knows, or one it cannot parse, is pruned;
# an outage, a quota or a deadline is retried; anything else (bad credential, forbidden) is not.
_FCM_INVALID = (messaging.UnregisteredError, messaging.SenderIdMismatchError, fcm_errors.InvalidArgumentError)
_FCM_TRANSIENT = (
    fcm_errors.UnavailableError,
    fcm_errors.InternalError,
    fcm_errors.DeadlineExceededError,
    fcm_errors.ResourceExhaustedError,
    fcm_errors.UnknownError,
)


def fcm_configured() -> bool:
    return bool(settings.PUSH_FCM_CREDENTIALS)


def _fcm_app() -> firebase_admin.App:
    with _fcm_lock:
        try:
            return firebase_admin.get_app(_FCM_APP_NAME)
        except ValueError:
            pass
        source = settings.PUSH_FCM_CREDENTIALS
        info = json.loads(source) if source.lstrip().startswith("{") else source
        app = firebase_admin.initialize_app(
            credentials.Certificate(info), {"httpTimeout": TIMEOUT_SECONDS}, name=_FCM_APP_NAME
        )
        base = settings.PUSH_FCM_API_BASE.rstrip("/")
        if base != "https://fcm.googleapis.com":
            # The SDK has no public option for its host; its one send URL is this attribute.
            service = messaging._get_messaging_service(app)  # noqa: SLF001
            service._fcm_url = f"{base}/v1/projects/{app.project_id}/messages:send"  # noqa: SLF001
        return app


def fcm_reset() -> None:
    """Forget the SDK app (tests change the credential or the host between runs)."""
    with _fcm_lock, contextlib.suppress(ValueError):
        firebase_admin.delete_app(firebase_admin.get_app(_FCM_APP_NAME))


def _fcm_send(devices: list[Device], message: PushMessage) -> list[PushResult]:
    if not fcm_configured():
        return [PushResult(d.pk, "failed", "FCM is not configured (PUSH_FCM_CREDENTIALS)") for d in devices]
    with warnings.catch_warnings():
        # Registration tokens are what the apps' FCM SDKs hand out today; the SDK already
        # nudges towards installation ids (``fid``), a change for the apps and this together.
        warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
        messages = [
            messaging.Message(
                token=d.token,
                notification=messaging.Notification(title=message.title, body=message.body),
                data=message.data,
                android=messaging.AndroidConfig(priority="high"),
                apns=messaging.APNSConfig(headers={"apns-priority": "10"}),
            )
            for d in devices
        ]
    try:
        batch = messaging.send_each(messages, app=_fcm_app())
    except fcm_errors.FirebaseError as exc:  # the whole batch failed before any send
        return [PushResult(d.pk, "transient", str(exc)[:500]) for d in devices]
    results = []
    for device, response in zip(devices, batch.responses, strict=True):
        if response.success:
            results.append(PushResult(device.pk, "sent"))
        elif isinstance(response.exception, _FCM_INVALID):
            results.append(PushResult(device.pk, "invalid", str(response.exception)[:500]))
        elif isinstance(response.exception, _FCM_TRANSIENT):
            results.append(PushResult(device.pk, "transient", str(response.exception)[:500]))
        else:
            results.append(PushResult(device.pk, "failed", str(response.exception)[:500]))
    return results


# --- Web Push ------------------------------------------------------------------------------


def webpush_configured() -> bool:
    return bool(settings.PUSH_VAPID_PRIVATE_KEY)


def _webpush_send(device: Device, message: PushMessage) -> PushResult:
    if not webpush_configured():
        return PushResult(device.pk, "failed", "Web Push is not configured (PUSH_VAPID_PRIVATE_KEY)")
    payload = json.dumps({"title": message.title, "body": message.body, "data": message.data})
    try:
        webpush(
            subscription_info=device.subscription,
            data=payload,
            vapid_private_key=settings.PUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.PUSH_VAPID_SUBJECT},
            ttl=24 * 3600,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        return PushResult(device.pk, _webpush_outcome(status), f"HTTP {status}: {exc.message}"[:500])
    except RequestException as exc:  # connection refused, timeout: the push service is unreachable
        return PushResult(device.pk, "transient", str(exc)[:500])
    return PushResult(device.pk, "sent")


def _webpush_outcome(status: int | None) -> Outcome:
    if status in (404, 410):  # the subscription expired or was unsubscribed (RFC 8030 §7.3)
        return "invalid"
    if status is None or status == 429 or status >= 500:
        return "transient"
    return "failed"  # 400, 401, 403, 413: a malformed request or a VAPID key the service refuses
