"""Confirmation pages for admin actions that change money or leads.

An action calls ``confirmation(...)``: on the first POST (from the changelist) it answers the
page listing what will happen — with the amounts — and a form (a note, an amount); on the
second POST (``confirmed=yes``) it returns the form, validated, and the action goes ahead. A
form with errors shows the page again with the messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

CONFIRMED = "confirmed"


class NoteForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        label=_("Note"),
        help_text=_("Kept with the decision and in the audit trail."),
    )


def confirmation(
    modeladmin,
    request,
    queryset,
    *,
    title: StrOrPromise,
    rows: list[dict],
    columns: Sequence[StrOrPromise],
    form_class: type[forms.Form] = NoteForm,
    initial: dict | None = None,
    warning: str = "",
    form_kwargs: dict | None = None,
):
    """None and a form: the staff member confirmed (``form.cleaned_data``). A response: show it."""
    form_kwargs = form_kwargs or {}
    if request.POST.get(CONFIRMED) == "yes":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            return None, form
    else:
        form = form_class(initial=initial or {}, **form_kwargs)
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "app_label": opts.app_label,
        "rows": rows,
        "columns": columns,
        "form": form,
        "warning": warning,
        "queryset": queryset,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
    }
    return TemplateResponse(request, "admin/console/confirm_action.html", context), form
