"""The click throttle's one round trip (``ClientNetworkThrottle`` on the Redis cache): DRF's
sliding window, counted by a script in Redis, so every web process shares one count per client
network and two processes cannot both take the last request of a window."""

import random
import socket
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIRequestFactory

from connections.api.views import ProWebsiteView
from marketplace.api.throttling import ClientNetworkThrottle, ScopedThrottle
from marketplace.cache import RedisCache

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

T0 = 1_800_000_000.0  # the throttles' clock, set by hand


@pytest.fixture(autouse=True)
def _redis_cache(settings):
    if not isinstance(caches["default"], RedisCache):
        pytest.skip("the one-round-trip throttle runs on the Redis cache (REDIS_URL)")


@pytest.fixture
def clicks_rate(settings):
    def set_rate(rate: str) -> None:
        rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], clicks=rate)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    return set_rate


def _request(marketplace, ip: str = "203.0.113.10", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = APIRequestFactory().get("/api/v1/pros/1/website/", **extra)
    request.user = AnonymousUser()
    request.marketplace = marketplace
    return request


def _hit(cache, request, when: float, throttle_class=ClientNetworkThrottle):
    throttle = throttle_class()
    throttle.cache = cache
    throttle.timer = lambda: when
    return throttle.allow_request(request, ProWebsiteView), throttle


def _processes(count: int = 2) -> list:
    """Cache backends as separate web processes have them: each its own pool and connections."""
    return [caches.create_connection("default") for _ in range(count)]


def test_each_cache_keeps_one_redis_client_per_pool():
    first, second = _processes()

    assert first.redis_client() is first.redis_client()  # not a new client per call
    assert first.redis_client() is not second.redis_client()
    assert first.redis_client().connection_pool is not second.redis_client().connection_pool


def test_the_limit_holds_across_two_processes_and_the_refusal_says_when_to_retry(marketplace, clicks_rate):
    clicks_rate("4/min")
    processes = _processes()
    request = _request(marketplace)

    allowed = [_hit(processes[n % 2], request, T0 + n)[0] for n in range(4)]
    refused, throttle = _hit(processes[0], request, T0 + 10)

    assert allowed == [True] * 4
    assert refused is False
    assert throttle.wait() == 50.0  # the oldest of the four (T0) leaves the window at T0 + 60
    assert _hit(processes[1], request, T0 + 59)[0] is False  # the other process agrees


def test_the_window_slides_the_oldest_request_out_and_the_key_expires(marketplace, clicks_rate):
    clicks_rate("2/min")
    (cache,) = _processes(1)
    request = _request(marketplace)
    assert _hit(cache, request, T0)[0] and _hit(cache, request, T0 + 30)[0]
    assert _hit(cache, request, T0 + 59)[0] is False

    allowed, throttle = _hit(cache, request, T0 + 60)  # the request at T0 has left the window

    assert allowed is True
    assert _hit(cache, request, T0 + 61)[0] is False  # T0 + 30 and T0 + 60 are still in it
    ttl = cache.redis_client().ttl(cache.make_key(f"{throttle.key}:log"))
    assert 0 < ttl <= 60  # Redis forgets an idle network after one window


def test_the_count_is_per_client_network_as_the_throttle_identifies_it(marketplace, clicks_rate, settings):
    clicks_rate("1/min")
    (cache,) = _processes(1)
    assert _hit(cache, _request(marketplace, ip="203.0.113.10"), T0)[0] is True

    assert _hit(cache, _request(marketplace, ip="203.0.113.10"), T0 + 1)[0] is False
    assert _hit(cache, _request(marketplace, ip="203.0.113.11"), T0 + 1)[0] is True  # another network
    # An IPv6 /64 is one network, another /64 is another.
    assert _hit(cache, _request(marketplace, ip="2001:db8:5:6::1"), T0)[0] is True
    assert _hit(cache, _request(marketplace, ip="2001:db8:5:6::ffff"), T0 + 1)[0] is False
    assert _hit(cache, _request(marketplace, ip="2001:db8:5:7::1"), T0 + 1)[0] is True
    # Behind one trusted proxy the client is the last X-Forwarded-For hop, whatever it prepends.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxied = _request(marketplace, ip="10.0.0.1", forwarded="198.51.100.1, 198.51.100.7")
    assert _hit(cache, proxied, T0)[0] is True
    spoofed = _request(marketplace, ip="10.0.0.1", forwarded="192.0.2.99, 198.51.100.7")
    assert _hit(cache, spoofed, T0 + 1)[0] is False


def test_the_script_answers_as_drfs_sliding_window_does(marketplace, clicks_rate):
    """The same random sequence of clicks (times, networks) through DRF's own algorithm on a
    local-memory cache (``ScopedThrottle``: DRF's get-then-set) and through the script: the same
    decisions and the same waits. (Both caches also expire an idle key after a real minute,
    longer than this test runs.)"""
    clicks_rate("3/min")
    rng = random.Random(16)
    drf_cache, (redis_cache,) = LocMemCache("drf-reference", {}), _processes(1)
    when = T0
    refusals = 0
    for _ in range(300):
        when += rng.choice([0.0, 0.5, 3.0, 12.0, 20.0, 45.0])
        request = _request(marketplace, ip=rng.choice(["203.0.113.1", "203.0.113.2"]))
        expected, reference = _hit(drf_cache, request, when, throttle_class=ScopedThrottle)
        actual, throttle = _hit(redis_cache, request, when)
        assert actual == expected, when
        if not actual:
            refusals += 1
            assert throttle.wait() == pytest.approx(reference.wait())
    assert 30 < refusals < 270  # both answers were exercised


def test_concurrent_processes_cannot_take_more_than_the_limit(marketplace, clicks_rate):
    clicks_rate("5/min")
    processes = _processes(12)
    barrier = threading.Barrier(len(processes))
    answers: list[bool] = []

    def click(cache):
        barrier.wait()
        answers.append(_hit(cache, _request(marketplace), T0)[0])

    threads = [threading.Thread(target=click, args=(cache,)) for cache in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [False] * 7 + [True] * 5


def test_other_caches_keep_drfs_algorithm(marketplace, clicks_rate):
    clicks_rate("1/min")
    cache = LocMemCache("not-redis", {})

    assert _hit(cache, _request(marketplace), T0)[0] is True
    refused, throttle = _hit(cache, _request(marketplace), T0 + 15)
    assert refused is False and throttle.wait() == 45.0


def test_redis_down_lets_clicks_through(marketplace, clicks_rate):
    clicks_rate("1/min")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    down = RedisCache(f"redis://127.0.0.1:{closed}/0", {})

    assert [_hit(down, _request(marketplace), T0 + n)[0] for n in range(3)] == [True] * 3
