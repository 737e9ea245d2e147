"""Signed tracked links: absolute URLs that name their marketplace and pro themselves.

A browser following a pro's website link, a shared link or the phone's dialler sends no
``X-Marketplace`` header, so the link carries it: ``/api/v1/links/<kind>/<token>/`` where the
token signs ``{marketplace, pro, kind}`` with the project's SECRET_KEY (Django's signing, its own
salt). Nothing else about the visitor is trusted; a tampered token is simply unknown (404).
Links do not expire, so a shared link keeps working; the pro's current right to show contact
details is checked when the link is followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

SALT = "marketplace.tracked-link"
KINDS = ("website", "phone")


@dataclass(frozen=True)
class TrackedLink:
    marketplace_id: int
    pro_id: int
    kind: str


def tracked_link_token(*, marketplace_id: int, pro_id: int, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a tracked link kind")
    return signing.Signer(salt=SALT).sign_object({"m": marketplace_id, "p": pro_id, "k": kind})


def tracked_link_read(token: str, *, kind: str) -> TrackedLink | None:
    """The link a token signs, or None when it is tampered with, malformed or of another kind."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(value, dict) or value.get("k") != kind:
        return None
    marketplace_id, pro_id = value.get("m"), value.get("p")
    if not isinstance(marketplace_id, int) or not isinstance(pro_id, int):
        return None
    return TrackedLink(marketplace_id=marketplace_id, pro_id=pro_id, kind=kind)


def tracked_link_url(*, request: HttpRequest | None, marketplace_id: int, pro_id: int, kind: str) -> str:
    """The absolute URL of a tracked link: on ``TRACKED_LINK_BASE_URL`` when set (the public
    origin behind a proxy), else on the host the request came to."""
    token = tracked_link_token(marketplace_id=marketplace_id, pro_id=pro_id, kind=kind)
    path = reverse(f"tracked-link-{kind}", kwargs={"token": token})
    if settings.TRACKED_LINK_BASE_URL:
        return settings.TRACKED_LINK_BASE_URL.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path
