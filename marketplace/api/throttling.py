import hashlib
from typing import Any

import structlog
from redis import Redis
from redis.exceptions import NoScriptError, RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from marketplace.network import client_network

logger = structlog.get_logger(__name__)


class ScopedThrottle(ScopedRateThrottle):
    """Scoped throttle that reads its rate at request time (so settings changes apply).

    Counts live in the default cache: Redis when configured, shared by every web process.
    Throttles protect the service; money limits (spend caps) are database constraints.
    With the cache down it fails open: logging in must not depend on Redis.
    """

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            logger.warning("throttle_cache_unavailable", scope=getattr(view, "throttle_scope", None), error=str(exc))
            return True

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")

    def get_cache_key(self, request, view):
        key = super().get_cache_key(request, view)
        marketplace = getattr(request, "marketplace", None)
        return f"{key}:{marketplace.pk}" if key and marketplace else key


# DRF's sliding log (SimpleRateThrottle.allow_request) run inside Redis, in one round trip:
# drop the timestamps that left the window (the list is newest first), refuse when the log
# still holds the limit, else push this request's timestamp and keep the key as long as the
# window. Atomic, so two processes can no longer both take the last request of a window (DRF's
# GET then SET could). Refused: {0, log length, oldest timestamp} for ``wait()``.
_LOG_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local oldest = redis.call('LINDEX', key, -1)
while oldest and tonumber(oldest) <= now - duration do
    redis.call('RPOP', key)
    oldest = redis.call('LINDEX', key, -1)
end
local length = redis.call('LLEN', key)
if length >= limit then
    return {0, length, oldest or ''}
end
redis.call('LPUSH', key, ARGV[1])
redis.call('EXPIRE', key, duration)
return {1}
"""
_LOG_SCRIPT_SHA = hashlib.sha1(_LOG_SCRIPT.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


def _run_log_script(client: Redis, key: str, now: float, duration: int, limit: int) -> Any:
    try:
        return client.evalsha(_LOG_SCRIPT_SHA, 1, key, now, duration, limit)
    except NoScriptError:  # a fresh (or flushed) server: EVAL runs it and caches it for EVALSHA
        return client.eval(_LOG_SCRIPT, 1, key, now, duration, limit)


class ClientNetworkThrottle(ScopedThrottle):
    """Scoped throttle counted per client network (``client_network``), not per full address.

    On the Redis cache (``marketplace.cache.RedisCache``) the count is one script call: the
    tracked contact endpoints are the busiest requests, and DRF's GET then SET of a pickled
    list was two round trips per click. Same scope, rate, key (scope, network or signed-in
    user, marketplace), sliding window and ``wait()`` as DRF's; the log lives under the key +
    ``:log`` (a Redis list, where DRF keeps a pickled one). Any other cache: DRF's algorithm.
    """

    _refused = False  # the script refused this request; ``_wait`` is then DRF's wait()
    _wait: float | None = None

    def get_ident(self, request):
        return client_network(super().get_ident(request))

    def allow_request(self, request, view):
        redis_client = getattr(self.cache, "redis_client", None)
        if redis_client is None:
            return super().allow_request(request, view)
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return True
        self.num_requests, self.duration = limit, duration
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = now = self.timer()
        try:
            answer = _run_log_script(redis_client(), self.cache.make_key(f"{self.key}:log"), now, duration, limit)
        except (RedisError, OSError) as exc:
            logger.warning("throttle_cache_unavailable", scope=self.scope, error=str(exc))
            return True
        if answer[0]:
            return True
        # DRF's wait(), read from the log as the script found it: time until its oldest entry
        # leaves the window, shared among the requests that will then be available.
        length, oldest = int(answer[1]), float(answer[2]) if answer[2] else None
        remaining = duration - (now - oldest) if oldest is not None else duration
        available = limit - length + 1
        self._refused, self._wait = True, remaining / float(available) if available > 0 else None
        return False

    def wait(self):
        return self._wait if self._refused else super().wait()
