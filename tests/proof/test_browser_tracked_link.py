"""A pro's website link, taken from a public pro payload, opened in a real headless Chromium
with no custom header: it lands on the pro's site (a local server) and counts one click for the
right marketplace and pro (issue 14). Skipped, saying why, where /usr/bin/chromium is missing."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from connections.models import ConnectionEvent
from tests.factories import ProFactory
from tests.proof.test_browser_admin import CHROMIUM, FLAGS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium here (apt-get install chromium); CI has it"),
]


SITE_HOST = "rivera-plumbing.example"
DESKTOP_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"


class ProSite(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"<!doctype html><title>Rivera Plumbing</title><h1>Rivera Plumbing</h1>"
        self.send_response(200 if self.path in ("/", "/home") else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def pro_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ProSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # A host name, as a pro's website is (the click never redirects to a loopback address);
        # Chromium resolves it to this local server (--host-resolver-rules below).
        yield f"http://{SITE_HOST}:{server.server_address[1]}/home"
    finally:
        server.shutdown()
        server.server_close()


def test_a_website_link_opened_in_chromium_lands_on_the_site_and_counts_one_click(
    live_server, marketplace, other_marketplace, pro_site, monkeypatch
):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    pro = ProFactory(marketplace=marketplace, tier="brand_builder", website=pro_site, name="Rivera Plumbing")
    ProFactory(marketplace=other_marketplace, tier="brand_builder", website=pro_site)  # same site, other tenant
    payload = httpx.get(f"{live_server.url}/api/v1/pros/{pro.pk}/", headers={"X-Marketplace": marketplace.slug})
    link = payload.json()["website_url"]  # what a homeowner app shows or shares
    assert link.startswith(f"{live_server.url}/api/v1/links/website/")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*FLAGS, f"--host-resolver-rules=MAP {SITE_HOST} 127.0.0.1"]
        )
        try:
            # Headless Chromium names itself HeadlessChrome, which the click filter rightly takes for a
            # bot; a person's browser does not.
            page = browser.new_page(user_agent=DESKTOP_CHROME)
            page.set_default_timeout(15_000)
            page.goto(link)  # no X-Marketplace, no token: what a browser sends
            assert page.url == pro_site
            assert page.locator("h1").inner_text() == "Rivera Plumbing"
            page.goto(link)  # the same visitor again, within the dedupe window
            assert page.url == pro_site
        finally:
            browser.close()

    events = list(ConnectionEvent.objects.values_list("marketplace_id", "pro_id", "kind"))
    assert events == [(marketplace.pk, pro.pk, "website_click")]
