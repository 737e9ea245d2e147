"""Run one callable in several real threads at once, each with its own database connection."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_at_once(call: Callable[[], T], times: int) -> list[T]:
    """Start ``times`` threads that wait at a barrier, then all run ``call``; return what each
    returned (in finishing order). Each thread closes its own connection, so PostgreSQL sees
    ``times`` concurrent sessions and the test database can still be dropped."""
    barrier = threading.Barrier(times)
    results: list[T] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
