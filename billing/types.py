"""What billing needs to know of the things it charges for, without importing the apps above it."""

from __future__ import annotations

from typing import Any, Protocol


class ChargeableLead(Protocol):
    """A lead as billing sees it (``leads.models.Lead`` satisfies it): its id and marketplace."""

    @property
    def pk(self) -> Any: ...

    @property
    def marketplace_id(self) -> int: ...
