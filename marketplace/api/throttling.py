from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedThrottle(ScopedRateThrottle):
    """Scoped throttle that reads its rate at request time (so settings changes apply).

    Counts live in the default cache: Redis when configured, shared by every web process.
    Throttles protect the service; money limits (spend caps) are database constraints.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        key = super().get_cache_key(request, view)
        marketplace = getattr(request, "marketplace", None)
        return f"{key}:{marketplace.pk}" if key and marketplace else key
