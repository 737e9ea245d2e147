"""Read-replica routing for stats and dashboards.

With ``DATABASE_REPLICA_URL`` set, settings define a ``replica`` alias and install
``ReplicaRouter``. Reads go to the replica only where a little replication lag is harmless:

- the rollup tables the dashboards and stats endpoints read (``REPLICA_READ_MODELS``), and
- any read inside ``with replica_reads():``, or a queryset built with ``.using(read_alias())``
  (a selector or view that opts in explicitly: ``ranking.selectors`` for ``GET /pro/stats/``
  — the window's leads and counts, the pro's category, area and list position, history).

Everything else — and every read made inside a write transaction on the primary, so a
service never decides on stale rows — stays on ``default``. Writes and migrations always go
to ``default``. Without ``DATABASE_REPLICA_URL`` there is no router and no alias: everything
uses ``default``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"

# Rollup tables read by the stats and dashboard endpoints; written only by periodic jobs.
REPLICA_READ_MODELS = frozenset({"connections.connectiondaily", "ranking.prodailysnapshot"})

_force_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("force_replica", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Send every read in this block to the replica (when one is configured)."""
    token = _force_replica.set(True)
    try:
        yield
    finally:
        _force_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias a stats/dashboard read should use right now (for explicit ``.using()``)."""
    if replica_configured() and not connections[PRIMARY].in_atomic_block:
        return REPLICA
    return PRIMARY


class ReplicaRouter:
    """Stats and dashboard reads to ``replica``; everything else to ``default``."""

    def db_for_read(self, model, **hints) -> str | None:
        if not replica_configured():
            return None
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY  # read-your-writes inside a transaction
        if _force_replica.get() or model._meta.label_lower in REPLICA_READ_MODELS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True  # same data: the replica is a copy of the primary
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY
