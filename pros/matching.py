"""Perfect match: does a quote request meet every working condition a service sets?

Rule 1 of DESIGN.md: a request *perfectly matches* a service when every condition the service
sets holds. ``perfect_match`` is pure — it reads the service's fields, the job's fields and the
``pro_areas`` / ``today`` it is given, and runs no query — so lead routing can call it for many
candidate services in a loop after loading them in one set-based query (it reads only the
conditions, so a matching candidate row serves as well as a ``pros.Service``).

Conditions, each named in ``MatchResult.failures`` when it does not hold:

``category``
    ``job.category_id == service.category_id``.
``area``
    ``job.area`` is one of ``service.condition_areas``; when the service lists no areas, it is
    one of the pro's own areas (``pro_areas``). Areas are compared exactly, so both sides must
    already be normalised through ``marketplace.postal`` (``M5V``, ``106``).
``budget``
    Only when the service sets ``condition_budget_min`` and/or ``condition_budget_max``: the
    request must state a budget, and the stated range must lie entirely inside the service's
    range (bounds inclusive: a budget exactly at min or max holds). A request that states only
    one end of its budget is the single value it states (``[v, v]``). A request with no budget
    cannot be shown to match a service that sets one, so it fails.
``start_date``
    Only when ``condition_lead_time_days > 0``: a stated start date must be on or after
    ``today + lead time`` (exactly at the lead time holds). No start date means the homeowner
    is flexible, so the condition holds.
``attribute:<key>``
    For every key in ``service.condition_attributes``, ``job.answers[key]`` must be one of the
    allowed values (compared as strings). A missing answer fails. An attribute the service does
    not name is open.

Failures are reported in the order above, attributes sorted by key, so the result is stable.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["JobSpec", "MatchResult", "ServiceConditions", "perfect_match"]


class ServiceConditions(Protocol):
    """What perfect match reads of a service: a ``pros.Service`` or a matching candidate row."""

    @property
    def category_id(self) -> int: ...
    @property
    def condition_areas(self) -> Any: ...
    @property
    def condition_budget_min(self) -> int | None: ...
    @property
    def condition_budget_max(self) -> int | None: ...
    @property
    def condition_lead_time_days(self) -> int: ...
    @property
    def condition_attributes(self) -> Any: ...


@dataclass(frozen=True)
class JobSpec:
    """What a quote request asks for (amounts in the marketplace's minor units)."""

    category_id: int
    area: str
    budget_min: int | None
    budget_max: int | None
    start_date: datetime.date | None
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchResult:
    matched: bool
    failures: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.matched


def _budget_holds(service: ServiceConditions, job: JobSpec) -> bool:
    low, high = service.condition_budget_min, service.condition_budget_max
    if low is None and high is None:
        return True
    if job.budget_min is None and job.budget_max is None:
        return False
    job_low = job.budget_min if job.budget_min is not None else job.budget_max
    job_high = job.budget_max if job.budget_max is not None else job.budget_min
    assert job_low is not None and job_high is not None
    above_min = low is None or job_low >= low
    below_max = high is None or job_high <= high
    return above_min and below_max


def _start_date_holds(service: ServiceConditions, job: JobSpec, today: datetime.date) -> bool:
    lead_days = service.condition_lead_time_days or 0
    if lead_days <= 0 or job.start_date is None:
        return True
    return job.start_date >= today + datetime.timedelta(days=lead_days)


def perfect_match(
    service: ServiceConditions, job: JobSpec, *, pro_areas: Collection[str], today: datetime.date
) -> MatchResult:
    """Check every working condition of ``service`` against ``job``; see the module docstring."""
    failures: list[str] = []
    if service.category_id != job.category_id:
        failures.append("category")
    allowed_areas = service.condition_areas or pro_areas
    if job.area not in allowed_areas:
        failures.append("area")
    if not _budget_holds(service, job):
        failures.append("budget")
    if not _start_date_holds(service, job, today):
        failures.append("start_date")
    for key in sorted(service.condition_attributes or {}):
        values = service.condition_attributes[key]
        if isinstance(values, str | int):
            values = [values]
        allowed = {str(value) for value in values or ()}
        answer = job.answers.get(key)
        if answer is None or str(answer) not in allowed:
            failures.append(f"attribute:{key}")
    return MatchResult(matched=not failures, failures=tuple(failures))
