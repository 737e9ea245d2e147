"""The JWT's user without a query: its row's fields cached in the shared cache (Redis).

``MarketplaceJWTAuthentication`` builds ``request.user`` from ``auth:user:<id>`` — every
field of the row but the password hash — as a real ``User`` whose ``password`` is deferred
(read from the database only by the rare path that checks or changes it; ``save()`` then writes
the loaded fields only). A miss reads the row once and stores it for ``USER_CACHE_SECONDS``.

Every change to a user gives it a new version (``auth:user:<id>:version``, a random token):
a save or delete (post_save/post_delete, however it is made), ``QuerySet.update`` and
``bulk_update`` through ``User.objects`` (so ``tokens_revoke``, the one writer of
``token_version``) — at once, and again when the change commits. An entry is used only while
it carries the user's current version; a request that read the row stores it under the version
it saw *before* reading, so a row read just before a change can never be served after it. Both
keys come back in one ``get_many`` (one round trip). So a deactivation, a password change, a
revocation or a role/pro change is seen by every process on its next request; if the cache is
unreachable, requests read the database as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

import structlog
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

from marketplace.models import User

USER_CACHE_KEY = "auth:user:{user_id}"
USER_VERSION_KEY = "auth:user:{user_id}:version"
USER_CACHE_SECONDS = 60
USER_VERSION_SECONDS = 24 * 3600  # far longer than an entry lives
# Everything but the password hash (never copied into the cache).
CACHED_FIELDS = tuple(field.attname for field in User._meta.concrete_fields if field.attname != "password")

log = structlog.get_logger(__name__)


class CachedUser(NamedTuple):
    """What ``user_cached`` found: the user (None on a miss) and the version to store a fresh
    read under (``user_remember``)."""

    user: User | None
    version: str | None


def user_cached(user_id: int) -> CachedUser:
    """The user from the cache (password deferred) when its entry is of the user's current
    version: one round trip (both keys in one ``get_many``)."""
    key, version_key = USER_CACHE_KEY.format(user_id=user_id), USER_VERSION_KEY.format(user_id=user_id)
    try:
        found = cache.get_many([key, version_key])
    except Exception as exc:  # noqa: BLE001 - cache down: the caller reads the database
        log.warning("user_cache_unreadable", error=str(exc)[:200])
        return CachedUser(None, _UNKNOWN)
    version = found.get(version_key)
    entry = found.get(key)
    if (
        not isinstance(entry, tuple)
        or len(entry) != 3
        or entry[0] != version
        or entry[1] != CACHED_FIELDS  # written by another code version
    ):
        return CachedUser(None, version)
    return CachedUser(User.from_db(DEFAULT_DB_ALIAS, CACHED_FIELDS, entry[2]), version)


def user_remember(user: User, *, version: str | None) -> None:
    """Store a user read from the database under the version read *before* that read: if the
    user changed since, the version moved on and the entry is never used."""
    if version == _UNKNOWN:
        return
    values = tuple(getattr(user, name) for name in CACHED_FIELDS)
    try:
        cache.set(USER_CACHE_KEY.format(user_id=user.pk), (version, CACHED_FIELDS, values), timeout=USER_CACHE_SECONDS)
    except Exception as exc:  # noqa: BLE001 - not cached: the next request reads the row again
        log.warning("user_cache_unwritable", error=str(exc)[:200])


def users_forget(user_ids: Iterable[Any]) -> None:
    """These users changed: every cached copy is stale now, and again once the change commits
    (a request may read the old row in between)."""
    keys = [USER_VERSION_KEY.format(user_id=user_id) for user_id in user_ids]
    if not keys:
        return
    _new_versions(keys)
    transaction.on_commit(lambda: _new_versions(keys))


def _new_versions(version_keys: list[str]) -> None:
    try:
        cache.set_many({key: uuid.uuid4().hex for key in version_keys}, timeout=USER_VERSION_SECONDS)
    except Exception as exc:  # noqa: BLE001 - logged loudly: entries live at most USER_CACHE_SECONDS
        log.error("user_cache_not_forgotten", keys=version_keys[:20], error=str(exc)[:200])


_UNKNOWN = "unknown"  # the cache did not answer: nothing is stored
