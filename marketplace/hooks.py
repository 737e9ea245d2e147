"""Typed hooks: how a lower app reaches a higher one without importing it.

Apps depend one way (``marketplace`` ← ``pros`` ← ``billing`` ← ``leads`` ← {``ranking``,
``connections``}; import-linter keeps it so). When a lower app must *tell* a higher one that
something happened, or *ask* it for something only the higher one knows, the lower app
declares a hook in its own ``hooks.py`` and the higher app plugs into it in
``AppConfig.ready``:

- ``Event[E]``: a domain event with a frozen dataclass payload; any number of receivers,
  called synchronously, in order of registration, **inside the caller's transaction** (a
  receiver's writes roll back with it; a receiver's exception propagates; anything that must
  wait for the commit uses ``transaction.on_commit`` itself).
- ``Provider[P, R]``: exactly one implementation of a typed callable, registered at start-up.
  Calling it before registration is a configuration error, never a silent no-op.

Unlike Django signals, both are typed end to end (mypy checks payloads and signatures) and
errors are not swallowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from marketplace.models import Marketplace

E = TypeVar("E")
P = ParamSpec("P")
R = TypeVar("R")


class Event(Generic[E]):
    """A domain event: ``send(payload)`` calls every receiver with it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[[E], None]] = []

    def connect(self, receiver: Callable[[E], None]) -> Callable[[E], None]:
        """Subscribe (idempotent: the same function connected twice is called once)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[[E], None]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Callable[[E], None], ...]:
        return tuple(self._receivers)

    def send(self, payload: E) -> None:
        for receiver in tuple(self._receivers):
            receiver(payload)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, receivers={len(self._receivers)})"


class Provider(Generic[P, R]):
    """One implementation a higher app supplies: ``provider(...)`` calls it.

    Declare one with ``@provider`` on a stub whose signature and docstring are the contract.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._implementation: Callable[P, R] | None = None

    def register(self, implementation: Callable[P, R]) -> Callable[P, R]:
        if self._implementation is not None and self._implementation is not implementation:
            raise ImproperlyConfigured(f"{self.name} already has an implementation: {self._implementation!r}")
        self._implementation = implementation
        return implementation

    @property
    def registered(self) -> bool:
        return self._implementation is not None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._implementation is None:
            raise ImproperlyConfigured(f"No implementation registered for {self.name} (is its app installed?)")
        return self._implementation(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Provider({self.name!r}, registered={self.registered})"


def provider(stub: Callable[P, R]) -> Provider[P, R]:
    """Turn a stub (signature + docstring, no body) into a typed ``Provider``."""
    hook: Provider[P, R] = Provider(f"{stub.__module__}.{stub.__qualname__}")
    hook.__doc__ = stub.__doc__
    return hook


# --- hooks the marketplace app declares ------------------------------------------------------


@provider
def pro_business_create(*, marketplace: Marketplace, name: str) -> int:
    """Create the pro business a new pro member belongs to; returns its id (``pros`` registers it)."""
    raise NotImplementedError
