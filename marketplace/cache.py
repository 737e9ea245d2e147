"""The Redis cache backend: Django's, keeping one ``redis.Redis`` object per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache call, and
redis-py fills each new client's table of response callbacks (a few hundred entries, ~0.1 ms).
The client object holds no connection of its own (the pool does, and hands one out per
command), so one per pool serves every call; redis-py documents clients as safe to share
between threads. Everything else — pools, serializer, keys, timeouts — is Django's.

``RedisCache.redis_client()`` also lets code that needs more than the cache API (the click
throttle's script, ``marketplace/api/throttling.py``) run commands on the cache's own server
and pool, so a test's or an operator's ``CACHES`` applies to it as to every cache call.
"""

from typing import Any, cast

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, servers: Any, **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, redis.Redis] = {}  # by id() of the pool in self._pools

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        django: Any = self  # Django's own (private, untyped) helpers, as its get_client uses them
        pool = django._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:  # two threads racing here build one spare client: harmless
            client = self._clients[id(pool)] = django._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def redis_client(self) -> redis.Redis:
        """The client this cache writes with (its first server), for commands beyond the cache API."""
        client: RedisCacheClient = cast(Any, self)._cache
        return client.get_client(write=True)
