"""Which marketplace a request is for: the ``X-Marketplace`` header, else the host.

The active marketplace and its policy are cached per process (``TenantCache``): once warm, a
request resolves its marketplace with no database query and no network round trip. Every
change to a marketplace or a policy (a save or delete however it is made — admin, services,
staff API — and ``QuerySet.update``/``bulk_update`` through their managers) clears this
process's copy at once and, on commit, writes a new version token under
``TENANCY_VERSION_KEY`` in the shared cache (Redis). Every process compares that token at most
every ``VERSION_CHECK_SECONDS`` and drops its copy when it changed, so another process sees a
change, a deactivation or a removal within about a second. Unknown names are never cached: each
one asks the database (and answers 404), so a marketplace created a moment ago is found at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

import structlog
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from marketplace.errors import NotFound
from marketplace.models import Marketplace, MarketplacePolicy

HEADER = "X-Marketplace"
TENANCY_VERSION_KEY = "tenancy:version"
VERSION_CHECK_SECONDS = 1.0

log = structlog.get_logger(__name__)

# (marketplace field names, their values, policy values or None when it has no policy row)
_Entry = tuple[tuple[Any, ...], tuple[Any, ...] | None]
_MARKETPLACE_FIELDS = tuple(field.attname for field in Marketplace._meta.concrete_fields)
_POLICY_FIELDS = tuple(field.attname for field in MarketplacePolicy._meta.concrete_fields)
_ID = _MARKETPLACE_FIELDS.index(Marketplace._meta.pk.attname)
_UNCHECKED = object()  # no version read yet


class TenantCache:
    """Active marketplaces (with their policy) of one process, by slug and by host name.

    It keeps field values, not model instances: each request gets its own fresh
    ``Marketplace`` (and ``policy``), as a query would give it, so nothing a request does to
    its objects leaks into another request.
    """

    def __init__(self, *, check_seconds: float = VERSION_CHECK_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.check_seconds = check_seconds
        self.clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._version: object = _UNCHECKED
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def clear(self, marketplace_id: int | None = None) -> None:
        """Forget one marketplace (by id), or every one, now."""
        with self._lock:
            if marketplace_id is None:
                self._entries = {}
            else:
                self._entries = {key: entry for key, entry in self._entries.items() if entry[0][_ID] != marketplace_id}

    def reset(self) -> None:
        """Forget everything, and read the version on the next resolve (a test's fresh start)."""
        with self._lock:
            self._entries = {}
            self._version = _UNCHECKED
            self._checked_at = float("-inf")

    def resolve(self, *, slug: str = "", host: str = "") -> Marketplace | None:
        """The active marketplace with this slug (else with this host name), or None."""
        self._check_version()
        key = ("slug", slug) if slug else ("host", host)
        entry = self._entries.get(key)
        if entry is None:
            entries = self._entries  # a clear() while the row is read makes the row suspect
            marketplaces = Marketplace.objects.filter(is_active=True).select_related("policy")
            marketplace = marketplaces.filter(slug=slug).first() if slug else marketplaces.filter(domain=host).first()
            if marketplace is None:
                return None  # never cached: a new marketplace is found at once
            entry = _entry_of(marketplace)
            with self._lock:
                if self._entries is entries:  # not cleared meanwhile
                    self._entries = {**entries, key: entry}
        return _marketplace_of(entry)

    def _check_version(self) -> None:
        now = self.clock()
        if now - self._checked_at < self.check_seconds:
            return
        self._checked_at = now
        try:
            version = cache.get(TENANCY_VERSION_KEY)
            if version is None:  # never set, or the cache was flushed: start a new epoch
                cache.add(TENANCY_VERSION_KEY, uuid.uuid4().hex, timeout=None)
                version = cache.get(TENANCY_VERSION_KEY)
        except Exception as exc:  # noqa: BLE001 - cache down: the database is always right
            log.warning("tenancy_version_unreadable", error=str(exc)[:200])
            version = _UNCHECKED
        if version != self._version or version is _UNCHECKED:
            self.clear()
        self._version = version


def _entry_of(marketplace: Marketplace) -> _Entry:
    values = tuple(getattr(marketplace, name) for name in _MARKETPLACE_FIELDS)
    try:
        policy: MarketplacePolicy | None = marketplace.policy
    except MarketplacePolicy.DoesNotExist:
        policy = None
    policy_values = None if policy is None else tuple(getattr(policy, name) for name in _POLICY_FIELDS)
    return values, policy_values


def _marketplace_of(entry: _Entry) -> Marketplace:
    """A fresh instance, as ``select_related("policy")`` would have built it."""
    values, policy_values = entry
    marketplace = Marketplace.from_db(DEFAULT_DB_ALIAS, _MARKETPLACE_FIELDS, values)
    policy = None
    if policy_values is not None:
        policy = MarketplacePolicy.from_db(DEFAULT_DB_ALIAS, _POLICY_FIELDS, policy_values)
        policy._state.fields_cache["marketplace"] = marketplace
    marketplace._state.fields_cache["policy"] = policy  # None: ``.policy`` raises DoesNotExist
    return marketplace


_process_cache = TenantCache()


def tenancy_cache_reset() -> None:
    """This process starts afresh (tests: after the shared cache was flushed)."""
    _process_cache.reset()


def tenancy_changed_now(marketplace_id: int | None = None) -> None:
    """A marketplace or policy changed (uncommitted yet): this process forgets it (or all) now."""
    _process_cache.clear(marketplace_id)


def tenancy_changed_on_commit(marketplace_id: int | None = None) -> None:
    """After the change commits: this process forgets again (a request may have read the old
    row in between) and every other process learns it through the new version token (and
    forgets every marketplace: changes are rare)."""
    _process_cache.clear(marketplace_id)
    try:
        cache.set(TENANCY_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as exc:  # noqa: BLE001 - logged; other processes keep their copy until it works
        log.error("tenancy_version_not_bumped", error=str(exc)[:200])


def marketplace_from_request(request: HttpRequest) -> Marketplace:
    """The active marketplace named by the request, or a 404 ``marketplace_not_found``."""
    cached = getattr(request, "_marketplace", None)
    if cached is not None:
        return cached
    slug = request.headers.get(HEADER, "").strip().lower()
    if slug:
        marketplace = _process_cache.resolve(slug=slug)
    else:
        marketplace = _process_cache.resolve(host=request.get_host().split(":")[0].lower())
    if marketplace is None:
        raise NotFound(
            "marketplace_not_found",
            format_lazy(_("Unknown marketplace. Send the {header} header with a marketplace slug."), header=HEADER),
        )
    cast(Any, request)._marketplace = marketplace  # resolved once per request
    return marketplace
