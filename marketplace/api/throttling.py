import structlog
from redis.exceptions import RedisError
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


class ClientNetworkThrottle(ScopedThrottle):
    """Scoped throttle counted per client network (``client_network``), not per full address."""

    def get_ident(self, request):
        return client_network(super().get_ident(request))
