"""Recording a staff action twice over: Django's admin history and the console's StaffAction row.

Both are written in the caller's transaction, so an action that rolls back leaves no trace
of having happened, and one that commits cannot lose its record.
"""

from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import models

from console.models import StaffAction


def field_values(obj: models.Model, fields: Iterable[str]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in fields}


def changed_values(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, before and after."""
    changed = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in changed}, {name: after[name] for name in changed}


def describe_change(before: dict, after: dict) -> str:
    return "; ".join(f"{name}: {before.get(name)!s} → {after[name]!s}" for name in after)


def staff_action_record(
    *,
    actor,
    obj: models.Model,
    kind: str,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    marketplace_id: int | None = None,
    admin_history: bool = True,
) -> StaffAction:
    """Write the admin history entry and the audit row for one object."""
    before, after = before or {}, after or {}
    summary = describe_change(before, after) or note
    message = f"{StaffAction(kind=kind).get_kind_display()}: {summary}" if summary else ""
    if admin_history:
        LogEntry.objects.log_actions(
            user_id=actor.pk, queryset=[obj], action_flag=CHANGE, change_message=message[:2000], single_object=True
        )
    return StaffAction.objects.create(
        marketplace_id=marketplace_id or obj.marketplace_id,  # type: ignore[attr-defined]  # a tenant row
        actor=actor,
        kind=kind,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        note=note[:500],
    )
