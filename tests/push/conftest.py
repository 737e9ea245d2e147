import json

import pytest

from push.senders import fcm_reset
from tests.leads.conftest import category, make_pro, request_body  # noqa: F401 - the leads fixtures
from tests.push.servers import FcmServer, WebPushServer, vapid_keys


@pytest.fixture
def fcm(settings):
    """A local FCM: the SDK's credential and host point at it for the test."""
    with FcmServer() as server:
        settings.PUSH_FCM_CREDENTIALS = json.dumps(server.service_account)
        settings.PUSH_FCM_API_BASE = server.base
        fcm_reset()
        yield server
        fcm_reset()


@pytest.fixture
def webpush_service(settings):
    """A local Web Push service; subscriptions on it are accepted and VAPID keys are set."""
    private, public = vapid_keys()
    with WebPushServer() as server:
        settings.PUSH_VAPID_PRIVATE_KEY, settings.PUSH_VAPID_PUBLIC_KEY = private, public
        settings.PUSH_WEBPUSH_HOSTS = ["127.0.0.1"]
        settings.PUSH_WEBPUSH_ALLOW_HTTP = True
        server.vapid_public = public
        yield server
