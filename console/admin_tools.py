"""Admin building blocks of the console: money columns, phone search, CSV export of the
filtered list, totals over it, and audited saves."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Length
from django.http import HttpResponseBadRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from console.audit import changed_values, staff_action_record
from console.formatting import money_html
from marketplace.api.csv_export import csv_response

PHONE_TERM = re.compile(r"^[\d\s()+\-./]{5,}$")
MIN_PHONE_DIGITS = 6


class DigitsOnly(Func):
    """The digits of a text column: '+1 (416) 555-0199' → '14165550199'."""

    output_field = models.CharField()
    arity = 1

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        # Portable fallback (SQLite for `make run`): strip the usual phone punctuation.
        sql, params = compiler.compile(self.source_expressions[0])
        for char in (" ", "-", "(", ")", "+", ".", "/"):
            sql = f"REPLACE({sql}, %s, '')"
            params = (*params, char)
        return sql, params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"regexp_replace({sql}, '[^0-9]', '', 'g')", params


def phone_matches(queryset: models.QuerySet, fields: Iterable[str], term: str) -> models.QuerySet | None:
    """Rows whose phone, digits only, contains the term's digits or is contained in them (a
    number typed with its country code finds one stored without it, and the reverse). None
    when the term does not look like a phone number."""
    term = term.strip()
    if not PHONE_TERM.match(term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    condition = Q()
    annotations: dict[str, Func] = {}
    for index, field in enumerate(fields):
        name = f"_phone_digits_{index}"
        annotations[name] = DigitsOnly(field)
        condition |= Q(**{f"{name}__contains": digits})
        condition |= Q(**{f"{name}_len__gte": MIN_PHONE_DIGITS, "_phone_term__contains": models.F(name)})
        annotations[f"{name}_len"] = Length(DigitsOnly(field))
    return queryset.annotate(_phone_term=Value(digits, output_field=models.CharField()), **annotations).filter(
        condition
    )


if TYPE_CHECKING:  # the mixins are for ModelAdmin subclasses: type them as such
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object


class PhoneSearchMixin(_AdminBase):
    """Search that also finds phone numbers however they were typed (``phone_search_fields``)."""

    phone_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phones = phone_matches(queryset, self.phone_search_fields, search_term) if self.phone_search_fields else None
        if phones is not None:
            ids = phones.values("pk")
            results = results | queryset.filter(pk__in=ids)
            may_have_duplicates = True
        return results, may_have_duplicates


def money_column(amount_field: str, currency_field: str, description: StrOrPromise) -> Callable:
    """A list/detail column showing ``amount_field`` minor units as NT$150.00 (sortable)."""

    @admin.display(description=description, ordering=amount_field)
    def column(self, obj):
        return money_html(getattr(obj, amount_field), _resolve(obj, currency_field))

    column.__name__ = f"{amount_field}_money"
    return column


def _resolve(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def local_time(value: dt.datetime | None) -> str:
    """An instant in the active (marketplace) time zone, ISO 8601 with its offset, for CSV."""
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds")


class CsvExportMixin(_AdminBase):
    """ "Export CSV" of the list as filtered and searched on screen, spreadsheet-safe like the
    API's exports (``marketplace.api.csv_export``). ``csv_columns``: (header, getter) pairs,
    a getter being an attribute path ("pro.name") or a callable taking the row."""

    csv_columns: list[tuple[str, str | Callable]] = []
    csv_select_related: tuple[str, ...] = ()

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        return [
            path("export.csv", self.admin_site.admin_view(self.csv_export_view), name=name),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_export")
        query = request.GET.copy()
        for transient in ("p", "o", "_changelist_filters"):
            query.pop(transient, None)
        extra_context["csv_export_url"] = f"{url}?{query.urlencode()}" if query else url
        return super().changelist_view(request, extra_context)

    def csv_export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except admin.options.IncorrectLookupParameters:
            return HttpResponseBadRequest(_("Unknown filter in the query string."))
        queryset = changelist.get_queryset(request)
        if self.csv_select_related:
            queryset = queryset.select_related(*self.csv_select_related)
        stamp = timezone.localdate().isoformat()
        rows = ([self._csv_value(obj, getter) for _, getter in self.csv_columns] for obj in queryset.iterator(2000))
        return csv_response(
            filename=f"{self.opts.model_name}-{stamp}.csv", header=[h for h, _ in self.csv_columns], rows=rows
        )

    @staticmethod
    def _csv_value(obj, getter):
        if callable(getter):
            return getter(obj)
        try:
            value = _resolve(obj, getter)
        except AttributeError:
            return ""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return local_time(value)
        if isinstance(value, models.Model):
            return str(value)
        return value


class AuditedSaveMixin(_AdminBase):
    """Saves through the admin form (change page or list) that change ``audited_fields`` write
    a StaffAction with the values before and after (Django writes its own history entry)."""

    audited_fields: dict[str, tuple[str, ...]] = {}  # StaffActionKind → fields

    def save_model(self, request, obj, form, change):
        fields = [name for group in self.audited_fields.values() for name in group]
        before: dict[str, Any] = {}
        if change and obj.pk and fields:
            before = type(obj)._default_manager.filter(pk=obj.pk).values(*fields).first() or {}
        super().save_model(request, obj, form, change)
        if not change:
            return
        for kind, group in self.audited_fields.items():
            old, new = changed_values(before, {name: getattr(obj, name) for name in group})
            if new:
                staff_action_record(actor=request.user, obj=obj, kind=kind, before=old, after=new, admin_history=False)


def admin_link(obj, label: str | None = None):
    """A link to ``obj``'s admin change page."""
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


def admin_list_link(model_label: str, label: StrOrPromise, **params):
    from console.dashboard import admin_list_url

    return format_html('<a href="{}">{}</a>', admin_list_url(model_label, **params), label)


class TotalsMixin(_AdminBase):
    """Totals over the filtered rows above the list (``changelist_totals(queryset)`` → rows of
    (label, value) pairs), computed on the same queryset the list and its CSV export use."""

    change_list_template = "admin/console/change_list_totals.html"

    def changelist_totals(self, request, queryset) -> list[list[tuple[str, object]]]:
        return []

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            changelist = context["cl"]
            rows = self.changelist_totals(request, changelist.queryset)
            context["changelist_totals"] = {"count": changelist.result_count, "rows": rows} if rows else None
        return response
