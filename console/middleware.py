"""The admin speaks the staff member's marketplace's language and shows its local time.

For requests under the admin (``/admin/``), after authentication: the marketplace's time zone
is activated (Django's admin then shows every time in it, and the console labels it on each
page), and so is its language — Django's own admin translations, ``zh-hant`` for formosa.
A marketplace ``language`` field, when the model has one, wins over the default picked from
its time zone. Placed after any ``LocaleMiddleware``, so it has the last word in the admin only.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

# The language a marketplace's operators read, when the marketplace does not name one.
LANGUAGE_BY_TIME_ZONE: dict[str, str] = {
    "Asia/Taipei": "zh-hant",
    "Asia/Hong_Kong": "zh-hant",
    "Asia/Shanghai": "zh-hans",
    "America/Toronto": "en-ca",
    "America/Vancouver": "en-ca",
    "America/Edmonton": "en-ca",
    "America/Winnipeg": "en-ca",
    "America/Halifax": "en-ca",
    "Europe/London": "en-gb",
    "Australia/Sydney": "en-au",
    "Australia/Melbourne": "en-au",
}


def marketplace_language(marketplace) -> str:
    named = getattr(marketplace, "language", "") or ""
    return named.lower() or LANGUAGE_BY_TIME_ZONE.get(marketplace.time_zone, settings.LANGUAGE_CODE)


class AdminLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request):
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        from console.site import console_marketplace  # the admin site imports every admin module

        marketplace = console_marketplace(request, required=False)
        if marketplace is None:
            return self.get_response(request)
        language = marketplace_language(marketplace)
        with timezone.override(ZoneInfo(marketplace.time_zone)), translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
