"""Statements of the hottest write path, compiled by the ORM once and re-bound on every call.

Django builds and compiles a queryset's SQL each time it runs; on the accept, which issues a
dozen statements, that was most of the request's Python time (bench/README.md, #16). A
``CompiledSelect`` or ``CompiledUpdate`` asks the ORM for its statement once — the queryset is
built with *sentinel* values standing for the parameters — and then runs that SQL with each
call's values. Rows become model instances exactly as the ORM's own iteration makes them
(``select_related`` objects, annotations, field converters). The statement is still written
with the ORM, in one place; only its compilation is reused, as ``leads.services.matching``
does for its query.

Parameters are keyword arguments declared with their type (``int`` or ``datetime``); the
sentinel standing for each must appear among the compiled statement's parameters, and no
constant of the statement may equal one, else compiling fails loudly. Querysets with
``IN (…)`` lists of call-dependent length cannot be compiled this way (their SQL changes).
"""

from __future__ import annotations

import datetime as dt
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from django.db import DatabaseError, connections, router
from django.db.models import NOT_PROVIDED, Field, Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # internal, stable in 5.2
from django.db.models.sql import UpdateQuery
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

# Far outside any id or time this product stores, and distinct from each other.
_INT_SENTINEL_BASE = -(2**62)
_TIME_SENTINEL_BASE = dt.datetime(1111, 1, 1, tzinfo=dt.UTC)


def _sentinels(params: dict[str, type]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, (name, kind) in enumerate(sorted(params.items())):
        if kind is int:
            values[name] = _INT_SENTINEL_BASE + index
        elif kind is dt.datetime:
            values[name] = _TIME_SENTINEL_BASE + dt.timedelta(seconds=index)
        else:
            raise TypeError(f"a compiled statement's parameter is an int or a datetime, not {kind!r} ({name})")
    return values


Slot = tuple[str | None, Callable[[Any], Any] | None, Any]


def _slots(sql_params: Sequence[Any], sentinels: dict[str, Any], connection: Any) -> list[Slot]:
    """For each positional parameter of the compiled SQL: (the call parameter it stands for,
    the adaptation the ORM applied to it, or None and None with the constant to bind every
    time). A datetime reaches the database as the backend adapts it (itself on PostgreSQL, a
    naive string on SQLite, the embedded default): the call's value is adapted the same way."""
    adapt_time = connection.ops.adapt_datetimefield_value
    by_value: dict[tuple[type, Any], tuple[str, Callable[[Any], Any] | None]] = {}
    for name, value in sentinels.items():
        by_value[(type(value), value)] = (name, None)
        if isinstance(value, dt.datetime):
            adapted = adapt_time(value)
            if (type(adapted), adapted) != (type(value), value):
                by_value[(type(adapted), adapted)] = (name, adapt_time)
    slots: list[Slot] = []
    for value in sql_params:
        found = by_value.get((type(value), value)) if isinstance(value, int | str | dt.datetime) else None
        slots.append((found[0], found[1], None) if found else (None, None, value))
    missing = set(sentinels) - {name for name, _, _ in slots if name}
    if missing:
        raise ValueError(f"the compiled statement does not use {sorted(missing)}: did the ORM inline them?")
    return slots


class _Compiled(ABC):
    _sql: str
    _slots: list[Slot]

    def __init__(self, params: dict[str, type]) -> None:
        self._params = params
        self._lock = threading.Lock()
        self._ready = False

    def _bind(self, values: dict[str, Any]) -> list[Any]:
        if values.keys() != self._params.keys():
            raise TypeError(f"expected the parameters {sorted(self._params)}, got {sorted(values)}")
        return [
            constant if name is None else adapt(values[name]) if adapt else values[name]
            for name, adapt, constant in self._slots
        ]

    def _compile_once(self) -> None:
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                self._compile(_sentinels(self._params))
                self._ready = True

    @abstractmethod
    def _compile(self, sentinels: dict[str, Any]) -> None:
        """Build the statement with the sentinels, keep its SQL and slots (each kind its own way)."""

    @property
    def sql(self) -> str:
        self._compile_once()
        return self._sql


class CompiledSelect(_Compiled, Generic[M]):
    """``build(**params)`` returns a queryset; ``rows(**values)`` runs its compiled SQL with
    those values and returns the model instances the queryset would. A queryset that locks
    (``select_for_update``) runs on the write database and only inside a transaction, as
    Django itself insists."""

    def __init__(self, build: Callable[..., QuerySet[M]], **params: type) -> None:
        super().__init__(params)
        self._build = build

    def _compile(self, sentinels: dict[str, Any]) -> None:
        queryset = self._build(**sentinels)
        if getattr(queryset, "_known_related_objects", None) or getattr(queryset, "_prefetch_related_lookups", None):
            raise ValueError("a compiled select has no prefetches nor known related objects")
        self._locks = queryset.query.select_for_update
        self._db = queryset.db  # a locking queryset's is the write database
        compiler = queryset.query.get_compiler(using=self._db)
        sql, sql_params = compiler.as_sql()  # also fills select, klass_info, annotation_col_map
        self._sql, self._slots = sql, _slots(sql_params, sentinels, connections[self._db])
        self._compiler = compiler
        self._col_count = compiler.col_count if compiler.has_extra_select else None
        self._converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        klass_info = compiler.klass_info
        self._model: type[M] = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self._model_slice = slice(start, end)
        self._init_list = [column[0].target.attname for column in compiler.select[start:end]]
        self._related = get_related_populators(klass_info, compiler.select, self._db)
        self._annotations = list((compiler.annotation_col_map or {}).items())

    def rows(self, **values: Any) -> list[M]:
        self._compile_once()
        # Reads follow the router on every call (a replica may be skipped while it lags).
        db = self._db if self._locks else router.db_for_read(self._model)
        connection = connections[db]
        if self._locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(self._sql, self._bind(values))
            fetched = cursor.fetchall()
        if self._col_count is not None:
            fetched = [row[: self._col_count] for row in fetched]
        rows = self._compiler.apply_converters(fetched, self._converters) if self._converters else fetched
        objects = []
        for row in rows:
            obj = self._model.from_db(db, self._init_list, row[self._model_slice])
            for populator in self._related:
                populator.populate(row, obj)
            for name, position in self._annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def first(self, **values: Any) -> M | None:
        found = self.rows(**values)
        return found[0] if found else None


class CompiledUpdate(_Compiled):
    """``build(**params)`` returns a queryset and ``changes`` the values to set (constants or
    ORM expressions); ``run(**values)`` executes ``queryset.update(**changes)``'s compiled SQL
    and returns the number of rows updated."""

    def __init__(self, build: Callable[..., QuerySet[Any]], changes: dict[str, Any], **params: type) -> None:
        super().__init__(params)
        self._build, self._changes = build, changes

    def _compile(self, sentinels: dict[str, Any]) -> None:
        queryset = self._build(**sentinels)
        queryset._for_write = True  # type: ignore[attr-defined]  # as QuerySet.update does: the write database
        self._db = queryset.db
        query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
        query.add_update_values(self._changes)
        query.annotations = {}
        sql, sql_params = query.get_compiler(self._db).as_sql()
        self._sql, self._slots = sql, _slots(sql_params, sentinels, connections[self._db])

    def run(self, **values: Any) -> int:
        self._compile_once()
        with connections[self._db].cursor() as cursor:
            cursor.execute(self._sql, self._bind(values))
            return cursor.rowcount


# --- Saves ------------------------------------------------------------------------------------
# ``Model.save`` compiles an INSERT or UPDATE through the ORM on every call. For the plain rows
# the accept writes (charges, ledger entries, lead events, the lead's answer) these two write
# the same statement, composed once per model and field set from the model's own metadata:
# the same columns, each value prepared by its field (``pre_save``, ``get_db_prep_save``),
# no ``pre_save``/``post_save`` signal (none is connected to those models: a test says so).

_INSERTS: dict[type[Model], tuple[str, list[Any]]] = {}
_UPDATES: dict[tuple[type[Model], tuple[str, ...]], tuple[str, list[Any]]] = {}


def _insert_statement(model: type[Model]) -> tuple[str, list[Any]]:
    if model not in _INSERTS:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        if list(meta.db_returning_fields) != [meta.pk] or any(f.db_default is not NOT_PROVIDED for f in fields):
            raise ValueError(f"{model.__name__} needs the ORM's own save")
        quote = connections["default"].ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608 - names from the model's metadata
        _INSERTS[model] = (sql, fields)
    return _INSERTS[model]


def _prepared(obj: Model, fields: list[Any], connection: Any, *, add: bool) -> list[Any]:
    values = [field.get_db_prep_save(field.pre_save(obj, add), connection) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        raise ValueError("an expression needs the ORM's own save")
    return values


def model_insert(obj: M) -> M:
    """``obj.save()`` of a new row (``Model.objects.create`` without the signals). Always on
    the write database, in the caller's transaction if any."""
    sql, fields = _insert_statement(type(obj))
    db = router.db_for_write(type(obj), instance=obj)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, _prepared(obj, fields, connection, add=True))
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, db
    return obj


def model_update(obj: Model, update_fields: Sequence[str]) -> None:
    """``obj.save(update_fields=…)`` of an existing row; a row that is gone raises as the ORM's
    save does (``DatabaseError``)."""
    key = (type(obj), tuple(update_fields))
    if key not in _UPDATES:
        meta = type(obj)._meta
        fields = [cast(Field, meta.get_field(name)) for name in update_fields]
        quote = connections["default"].ops.quote_name
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from the model's metadata
        _UPDATES[key] = (sql, fields)
    sql, fields = _UPDATES[key]
    db = router.db_for_write(type(obj), instance=obj)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_prepared(obj, fields, connection, add=False), obj.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
