"""Which language a request is answered in (README "Languages").

1. the signed-in user's saved preference (``User.language``, set with ``PATCH /api/v1/me/``);
2. else the first language of ``Accept-Language`` the product speaks — ``fr``, ``fr-FR`` and
   ``fr-CA`` all mean ``fr-ca``; ``zh-TW``, ``zh-HK``, ``zh-Hant`` and ``zh-Hant-TW`` mean ``zh-hant``;
   ``en-*`` means ``en``;
3. else the marketplace's default language (``Marketplace.default_language``: maple ``en``,
   formosa ``zh-hant``);
4. else ``settings.LANGUAGE_CODE`` (``en``).

An unsupported language is never an error: it is skipped and the next rule decides. Error
*codes* never change with the language; only ``message`` and field messages do.

Django's ``LocaleMiddleware`` runs first (so the admin, 404 pages and anything outside the
API follow ``Accept-Language``, and every response carries ``Content-Language`` and
``Vary: Accept-Language``); the API's base view then applies rules 3 and 1 once it knows the
marketplace and the user (``activate_for_request``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

if TYPE_CHECKING:
    from django.http import HttpRequest

    from marketplace.models import Marketplace, User

_ALIASES = {"zh-tw": "zh-hant", "zh-hk": "zh-hant", "zh-mo": "zh-hant", "zh-hant-tw": "zh-hant"}


def supported(code: str | None) -> str | None:
    """The product's variant of a language tag, or None if it speaks no variant of it."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    code = _ALIASES.get(code, code)
    if code.startswith("zh-hant"):
        code = "zh-hant"
    codes = {c for c, _ in settings.LANGUAGES}
    if code in codes:
        return code
    generic = code.split("-")[0]
    if generic == "zh":
        return None  # zh / zh-CN / zh-Hans: Simplified Chinese is not Traditional; fall back
    return next((c for c in sorted(codes) if c == generic or c.startswith(generic + "-")), None)


def from_accept_language(header: str) -> str | None:
    for tag, _quality in parse_accept_lang_header(header or ""):
        if tag == "*":
            return None
        found = supported(tag)
        if found:
            return found
    return None


def language_for(*, user: User | None, accept_language: str, marketplace: Marketplace | None) -> str:
    saved = supported(getattr(user, "language", "") or "")
    if saved:
        return saved
    asked = from_accept_language(accept_language)
    if asked:
        return asked
    default = supported(getattr(marketplace, "default_language", "") or "")
    return default or settings.LANGUAGE_CODE


def activate_for_request(request: HttpRequest, *, user: User | None = None) -> str:
    """Activate the request's language (for this thread; LocaleMiddleware resets it per request)."""
    language = language_for(
        user=user if user is not None and user.is_authenticated else None,
        accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        marketplace=getattr(request, "marketplace", None),
    )
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def language_of_user(user: User, marketplace: Marketplace) -> str:
    """The language a user's own e-mail and push are written in: its saved preference, else
    the marketplace's default language."""
    return supported(user.language) or supported(marketplace.default_language) or settings.LANGUAGE_CODE


def member_languages(pro_id: int, marketplace: Marketplace) -> set[str]:
    """Every language the active members of a pro read (``language_of_user`` of each)."""
    from marketplace.models import Role, User

    saved = User.objects.filter(pro_id=pro_id, role=Role.PRO, is_active=True).values_list("language", flat=True)
    default = supported(marketplace.default_language) or settings.LANGUAGE_CODE
    return {supported(language) or default for language in saved} or {default}


def language_of_pro(pro_id: int, marketplace: Marketplace) -> str:
    """A pro's notifications are written in its first member's saved language, else the
    marketplace's default language."""
    from marketplace.models import Role, User

    saved = (
        User.objects.filter(pro_id=pro_id, role=Role.PRO, is_active=True)
        .exclude(language="")
        .order_by("pk")
        .values_list("language", flat=True)
        .first()
    )
    return supported(saved) or supported(marketplace.default_language) or settings.LANGUAGE_CODE
