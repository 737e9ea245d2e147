"""Outbound webhooks reach public addresses only (issue #12 item 1, DESIGN.md Rule 11).

A real listener on 127.0.0.1 stands in for an internal service (Redis, a metadata endpoint, an
admin panel): whatever a pro saves, directly in the database or through a redirect from an
allow-listed host, it receives nothing. Only hosts in WEBHOOK_ALLOWED_HOSTS (``localhost``
here, via the autouse ``local_webhooks``) get deliveries over plain http.
"""

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from leads.models import Notification
from leads.notifications import pro_notify
from leads.tasks import notification_webhook_send
from marketplace.outbound import MAX_RESPONSE_BYTES, OutboundRefused, address_is_public, outbound_post
from tests.leads.test_notifications import Receiver

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/pro/profile/"


def _deliver(pro, url):
    """Save ``url`` straight into the row (no save-time check) and run one delivery."""
    pro.webhook_url, pro.webhook_secret = url, "s3cret-for-tests"
    pro.save(update_fields=["webhook_url", "webhook_secret"])
    pro_notify(pro=pro, kind="lead.new", subject="New lead", body="", payload={"lead_id": 1})
    notification = Notification.objects.latest("pk")
    notification_webhook_send.apply(args=[notification.pk])
    notification.refresh_from_db()
    return notification


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.0.8",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.215.14"])
def test_public_addresses_are_allowed(address):
    assert address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "https://127.0.0.1:6379/",
        "https://localhost:8000/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://0.0.0.0/hook",
        "https://2130706433/hook",  # 127.0.0.1 as one integer
        "https://internal.example/hook",  # resolves to a private address
        "https://mixed.example/hook",  # one public and one private answer
        "https://nowhere.example/hook",  # does not resolve
        "http://public.example/hook",  # public, but not https
        "https://user:pw@public.example/hook",
    ],
)
def test_saving_a_webhook_url_that_reaches_no_public_address_is_400_naming_webhook_url(
    api_client, marketplace, make_pro, fake_dns, settings, url
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    fake_dns(
        {
            "internal.example": ["10.1.2.3"],
            "mixed.example": ["93.184.215.14", "127.0.0.1"],
            "nowhere.example": [],
            "public.example": ["93.184.215.14"],
        }
    )
    user = make_pro()
    response = api_client(marketplace, user).patch(PROFILE, {"webhook_url": url})
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["webhook_url"]
    user.pro.refresh_from_db()
    assert user.pro.webhook_url == ""


def test_a_public_https_url_is_saved(api_client, marketplace, make_pro, fake_dns, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    fake_dns({"public.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    response = api_client(marketplace, make_pro()).patch(PROFILE, {"webhook_url": "https://public.example/leads"})
    assert response.status_code == 200, response.json()
    assert response.json()["webhook_url"] == "https://public.example/leads"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_listener_on_loopback_receives_nothing_when_a_pro_saves_it_directly(make_pro, settings, scheme):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with Receiver() as listener:
        url = listener.ip_url.replace("http://", f"{scheme}://")
        notification = _deliver(make_pro().pro, url)
        named = _deliver(make_pro().pro, url.replace("127.0.0.1", "localhost"))  # a name for loopback
    assert listener.received == []
    for row in (notification, named):
        assert row.webhook_status == "failed"  # refused for good: retrying cannot make it public
        assert row.webhook_last_error.startswith("refused:")


def test_a_host_that_rebinds_to_loopback_after_the_save_check_receives_nothing(
    api_client, marketplace, make_pro, fake_dns, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with Receiver() as listener:
        answers = iter([["93.184.215.14"]])  # the save-time answer; every later one is loopback
        fake_dns({"rebind.example": lambda: next(answers, ["127.0.0.1"])})
        user = make_pro()
        url = f"https://rebind.example:{listener.server.server_port}/hook"
        assert api_client(marketplace, user).patch(PROFILE, {"webhook_url": url}).status_code == 200
        user.pro.refresh_from_db()
        pro_notify(pro=user.pro, kind="lead.new", subject="New lead", body="", payload={})
        notification = Notification.objects.get()
        notification_webhook_send.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert listener.received == []
    assert notification.webhook_status == "failed" and notification.webhook_last_error.startswith("refused:")


def test_an_allow_listed_host_that_redirects_to_loopback_is_not_followed(make_pro):
    with Receiver() as internal, Receiver(status=307, location=internal.ip_url) as redirector:
        notification = _deliver(make_pro().pro, redirector.url)
    assert redirector.received  # the allow-listed host got the delivery (and its retries)…
    assert internal.received == []  # …and its redirect was never followed
    assert notification.webhook_status != "sent" and notification.webhook_last_error == "HTTP 307"


def test_an_allow_listed_local_receiver_gets_a_signed_delivery(make_pro):
    with Receiver() as receiver:
        notification = _deliver(make_pro().pro, receiver.url)
    ((headers, _body),) = receiver.received
    assert headers["X-Leads-Signature"].startswith("t=")
    assert notification.webhook_status == "sent"


def test_allow_list_entries_may_name_a_port(settings):
    with Receiver() as receiver:
        port = receiver.server.server_port
        settings.WEBHOOK_ALLOWED_HOSTS = [f"localhost:{port + 1}"]
        with pytest.raises(OutboundRefused):
            outbound_post(receiver.url, body=b"{}", headers={})
        settings.WEBHOOK_ALLOWED_HOSTS = [f"localhost:{port}"]
        assert outbound_post(receiver.url, body=b"{}", headers={}).status == 200
    assert len(receiver.received) == 1


class _Flood(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(20 * MAX_RESPONSE_BYTES))
        self.end_headers()
        try:
            for _ in range(20):
                self.wfile.write(b"x" * MAX_RESPONSE_BYTES)
        except OSError:
            pass  # the client stopped reading, as it should

    def log_message(self, *args):
        pass


def test_a_huge_answer_is_read_only_up_to_the_bound():
    server = HTTPServer(("127.0.0.1", 0), _Flood)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = outbound_post(f"http://localhost:{server.server_port}/", body=b"{}", headers={})
    finally:
        server.shutdown()
        server.server_close()
    assert response.status == 200 and len(response.body) == MAX_RESPONSE_BYTES


def test_the_signing_secret_is_never_logged(make_pro, settings, caplog):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with Receiver() as listener, caplog.at_level("DEBUG"):
        _deliver(make_pro().pro, listener.ip_url + "?token=abc")
    assert "s3cret-for-tests" not in caplog.text and "token=abc" not in caplog.text
