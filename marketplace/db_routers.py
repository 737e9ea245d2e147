"""Read-replica routing for stats and dashboards, with read-your-writes and a fallback.

With ``DATABASE_REPLICA_URL`` set, settings define a ``replica`` alias, install
``ReplicaRouter`` and ``ReplicaMiddleware``. Reads go to the replica only where a little
replication lag is harmless:

- the rollup tables the dashboards and stats endpoints read (``REPLICA_READ_MODELS``), and
- any read inside ``with replica_reads():``, or a queryset built with ``.using(read_alias())``
  (a selector or view that opts in explicitly: ``ranking.selectors`` for ``GET /pro/stats/``
  — the window's leads and counts, the pro's category, area and list position, history —
  and the connections dashboards).

Everything else — money, lead state, matching, every read made inside a write transaction on
the primary — stays on ``default``. Writes and migrations always go to ``default``.

Rules that keep those reads honest (each proven against a real streaming replica in
``tests/proof/test_scale_replica.py``):

1. **Read-your-writes, sticky for the writer.** After a user's write request (any POST, PUT,
   PATCH or DELETE) that user reads the primary for ``DATABASE_REPLICA_MAX_LAG_SECONDS``
   (shared through the cache, so every web process knows). Together with rule 2 this is
   exact: a write older than the window is on any replica that rule 2 lets us use.
2. **Bounded lag.** A replica more than ``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind is not
   used. Its lag is measured on the replica itself: nothing (0 s) while its WAL receiver is
   streaming and it has replayed everything it received, else the age of the last replayed
   commit (an over-estimate after an idle spell, never an under-estimate).
3. **Unreachable or promoted → primary.** A replica that refuses connections, times out or is
   no longer in recovery (promoted: it has left our primary's timeline) is skipped; the
   request reads the primary. A replica that fails *during* a request's reads makes that GET
   run again on the primary (``MarketplaceAPIView.handle_exception``): never a 500.
4. **Say how fresh.** Replica-served payloads carry ``as_of``: when the replica served them,
   the primary's commit time it has replayed up to (``read_as_of()``); from the primary, now.
   The ``X-Read-From: replica|primary`` response header says where such reads went.

The health check runs at most once per request and is reused for
``REPLICA_RECHECK_SECONDS`` by other work in the process; a replica found down is not tried
again for ``REPLICA_RETRY_SECONDS``. Without ``DATABASE_REPLICA_URL`` there is no router and no
alias: everything uses ``default``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

PRIMARY = "default"
REPLICA = "replica"

# Rollup tables read by the stats and dashboard endpoints; written only by periodic jobs.
REPLICA_READ_MODELS = frozenset({"connections.connectiondaily", "ranking.prodailysnapshot"})
REPLICA_RECHECK_SECONDS = 1.0
REPLICA_RETRY_SECONDS = 5.0
PIN_CACHE_KEY = "db:primary-pin:{user_id}"
READ_FROM_HEADER = "X-Read-From"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# On the replica: in recovery? seconds behind the primary (None when promoted).
HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       CASE
         WHEN NOT pg_is_in_recovery() THEN NULL
         WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
              AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0.0
         ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8, 1e9)
       END
"""

log = structlog.get_logger(__name__)

_force_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("force_replica", default=False)
# Per request: {"request": HttpRequest, "health": ReplicaHealth, "used": bool, "primary": bool}
_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("replica_scope", default=None)


@dataclass(frozen=True)
class ReplicaHealth:
    usable: bool
    reason: str  # ok | lagging | promoted | unreachable
    lag: float | None
    checked_at: float  # time.monotonic()
    as_of: dt.datetime | None = None


_last_health: ReplicaHealth | None = None


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def max_lag_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG_SECONDS", 30))


def check_replica() -> ReplicaHealth:
    """Ask the replica now whether it may serve reads (and how far behind it is)."""
    global _last_health
    now = time.monotonic()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        health = ReplicaHealth(False, "unreachable", None, now)
        log.warning("replica_unusable", reason="unreachable", error=str(exc)[:300])
    else:
        if not in_recovery:
            health = ReplicaHealth(False, "promoted", None, now)
            log.warning("replica_unusable", reason="promoted")
        elif lag > max_lag_seconds():
            health = ReplicaHealth(False, "lagging", lag, now)
            log.warning("replica_unusable", reason="lagging", lag_seconds=round(lag, 1))
        else:
            health = ReplicaHealth(True, "ok", lag, now, as_of=timezone.now() - dt.timedelta(seconds=lag))
    _last_health = health
    return health


def replica_health() -> ReplicaHealth:
    """The replica's health: checked once per request, reused briefly by the process."""
    scope = _scope.get()
    if scope is not None and "health" in scope:
        return scope["health"]
    last = _last_health
    ttl = REPLICA_RETRY_SECONDS if last is not None and last.reason == "unreachable" else REPLICA_RECHECK_SECONDS
    health = last if last is not None and time.monotonic() - last.checked_at < ttl else check_replica()
    if scope is not None:
        scope["health"] = health
    return health


def mark_replica_down() -> None:
    global _last_health
    _last_health = ReplicaHealth(False, "unreachable", None, time.monotonic())
    scope = _scope.get()
    if scope is not None:
        scope["health"] = _last_health
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def _pinned_to_primary() -> bool:
    """This request's user wrote recently (or is writing now): read the primary."""
    scope = _scope.get()
    if scope is None:
        return False
    if "primary" in scope:
        return scope["primary"]
    request = scope["request"]
    user = request.__dict__.get("user")  # set once authenticated (DRF copies its user here)
    pinned = request.method in UNSAFE_METHODS
    if not pinned and user is not None and getattr(user, "is_authenticated", False):
        from django.core.cache import cache

        try:
            pinned = bool(cache.get(PIN_CACHE_KEY.format(user_id=user.pk)))
        except Exception:  # noqa: BLE001 - cache down: the primary is always right
            pinned = True
        scope["primary"] = pinned  # decided once the user is known
    return pinned


def _use_replica() -> bool:
    if not replica_configured() or connections[PRIMARY].in_atomic_block:
        return False  # read-your-writes inside a transaction
    scope = _scope.get()
    if _pinned_to_primary() or not replica_health().usable:
        if scope is not None:
            scope.setdefault("read_from", PRIMARY)
        return False
    if scope is not None:
        scope.update(used=True, read_from=REPLICA)
    return True


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Send every read in this block to the replica (when one is configured and usable)."""
    token = _force_replica.set(True)
    try:
        yield
    finally:
        _force_replica.reset(token)


def read_alias() -> str:
    """The alias a stats/dashboard read should use right now (for explicit ``.using()``)."""
    return REPLICA if _use_replica() else PRIMARY


def read_as_of(now: dt.datetime) -> dt.datetime:
    """How fresh this request's replica-routed reads are: the replica's as-of time when it
    served them, else ``now`` (the primary is current)."""
    scope = _scope.get()
    if scope is not None and scope.get("used"):
        health = scope.get("health")
        if health is not None and health.as_of is not None:
            return min(now, health.as_of)
    return now


def replica_failed_mid_request() -> bool:
    """After a database error in a GET that read the replica: pin the rest of the request to
    the primary (and mark the replica down if it no longer answers) and say so, so the caller
    runs the view again there. A GET changes nothing, so running it twice is harmless; if the
    primary fails too, the second error is the answer (a 503)."""
    scope = _scope.get()
    if scope is None or not scope.get("used") or scope["request"].method not in ("GET", "HEAD"):
        return False
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()
    reason = check_replica().reason
    if reason == "unreachable":
        mark_replica_down()
    scope.update(used=False, primary=True, read_from=PRIMARY)
    log.warning("replica_failed_mid_request", path=scope["request"].path, replica=reason)
    return True


class ReplicaRouter:
    """Stats and dashboard reads to ``replica``; everything else to ``default``."""

    def db_for_read(self, model, **hints) -> str | None:
        if not replica_configured():
            return None
        if _force_replica.get() or model._meta.label_lower in REPLICA_READ_MODELS:
            return REPLICA if _use_replica() else PRIMARY
        return None

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True  # same data: the replica is a copy of the primary
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


class ReplicaMiddleware:
    """Opens the per-request routing scope; after a user's write, pins that user's reads to
    the primary for ``DATABASE_REPLICA_MAX_LAG_SECONDS`` (rule 1)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope: dict = {"request": request}
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
        finally:
            _scope.reset(token)
        if "read_from" in scope:  # where this request's replica-eligible reads went
            response[READ_FROM_HEADER] = "replica" if scope["read_from"] == REPLICA else "primary"
        if request.method in UNSAFE_METHODS:
            user = request.__dict__.get("user")
            if user is not None and getattr(user, "is_authenticated", False):
                pin_to_primary(user.pk)
        return response


def pin_to_primary(user_id: int) -> None:
    from django.core.cache import cache

    try:
        cache.set(PIN_CACHE_KEY.format(user_id=user_id), 1, timeout=max(1, int(max_lag_seconds() + 0.999)))
    except Exception:  # noqa: BLE001 - cache down: pins fail safe (reads see the primary, above)
        log.warning("replica_pin_failed", user_id=user_id)
