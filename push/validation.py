"""What a push token must look like before we store it (and later POST to it)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

FCM_TOKEN = re.compile(r"^[A-Za-z0-9_:\-.]{32,4096}$")


class TokenInvalid(ValueError):
    pass


def fcm_token_clean(value: object) -> str:
    if not isinstance(value, str) or not FCM_TOKEN.match(value):
        raise TokenInvalid(_("Not an FCM registration token (32-4096 letters, digits, '-', '_', ':', '.')."))
    return value


def _b64url(value: object, *, name: str, length: int) -> bytes:
    if not isinstance(value, str) or not value:
        raise TokenInvalid(format_lazy(_("keys.{name} is required (base64url)."), name=name))
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenInvalid(format_lazy(_("keys.{name} is not base64url."), name=name)) from exc
    if len(raw) != length:
        raise TokenInvalid(format_lazy(_("keys.{name} must decode to {length} bytes."), name=name, length=length))
    return raw


def webpush_subscription_clean(value: object) -> dict:
    """A browser's PushSubscription (``subscription.toJSON()``): an https endpoint on a known
    push service (``PUSH_WEBPUSH_HOSTS``: we POST to it, so it must never be an arbitrary
    host), a P-256 public key (65 bytes, uncompressed) and a 16-byte auth secret."""
    if not isinstance(value, dict):
        raise TokenInvalid(_("A Web Push subscription object {endpoint, keys: {p256dh, auth}} is required."))
    endpoint = value.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 2000:
        raise TokenInvalid(_("endpoint is required."))
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    allowed_scheme = parts.scheme == "https" or (parts.scheme == "http" and settings.PUSH_WEBPUSH_ALLOW_HTTP)
    if not allowed_scheme or not host:
        raise TokenInvalid(_("endpoint must be an https URL."))
    if not any(host == known or host.endswith("." + known) for known in settings.PUSH_WEBPUSH_HOSTS):
        raise TokenInvalid(_("endpoint is not on a known Web Push service."))
    keys = value.get("keys")
    if not isinstance(keys, dict):
        raise TokenInvalid(_("keys {p256dh, auth} is required."))
    p256dh = _b64url(keys.get("p256dh"), name="p256dh", length=65)
    if p256dh[0] != 4:
        raise TokenInvalid(_("keys.p256dh must be an uncompressed P-256 point."))
    _b64url(keys.get("auth"), name="auth", length=16)
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}
