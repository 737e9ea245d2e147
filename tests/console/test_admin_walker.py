"""Every admin page and action, for every staff role and marketplace: no 500, no foreign rows.

A crawler starts at the index and follows every admin link it finds (lists, each filter and
date-hierarchy choice, sorting, search, change pages, history, add pages, overview pages,
CSV exports), a bounded number of query strings per path. Then, per registered model: the
add form posted empty, a change form posted back as rendered, every action run on one row
(and its confirmation page confirmed), and the autocomplete endpoint. Staff of maple and of
formosa, and a platform superuser; a staff member's pages never show the other marketplace's
marker.
"""

import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.console.conftest import login
from tests.marketplace.test_admin import _form_data

pytestmark = pytest.mark.django_db

MAX_QUERIES_PER_PATH = 3  # filter choices, sorting, date drill-down… per page
MAX_OBJECTS_PER_MODEL = 1  # change and history pages of this many rows per model
MAX_PAGES = 800
SKIP = ("/admin/logout/", "/delete/", "/password/")
HREF = re.compile(r'href="([^"]+)"')


def _normalise(base: str, href: str) -> str | None:
    href = unescape(href)
    if href.startswith(("#", "javascript:", "mailto:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return None
    if not parts.path.startswith("/admin/") or any(skip in parts.path for skip in SKIP):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, foreign_marker: str | None) -> dict[str, int]:
    seen: set[str] = set()
    per_path: dict[str, int] = {}
    per_pattern: dict[str, set[str]] = {}
    statuses: dict[str, int] = {}
    queue = deque(["/admin/"])
    while queue and len(statuses) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = url.split("?", 1)[0]
        pattern = re.sub(r"/\d+/", "/N/", path)
        if pattern != path:
            objects = per_pattern.setdefault(pattern, set())
            if path not in objects and len(objects) >= MAX_OBJECTS_PER_MODEL:
                continue
            objects.add(path)
        if "?" in url:
            if per_path.get(path, 0) >= MAX_QUERIES_PER_PATH:
                continue
            per_path[path] = per_path.get(path, 0) + 1
        response = client.get(url)
        statuses[url] = response.status_code
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        content_type = response.get("Content-Type", "")
        if foreign_marker and response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert foreign_marker.encode() not in body, f"{url} shows the other marketplace's rows"
        if response.status_code != 200 or "text/html" not in content_type:
            continue
        for href in HREF.findall(response.content.decode()):
            target = _normalise(url, href)
            if target and target not in seen:
                queue.append(target)
    return statuses


def _admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def post_everything(client, foreign_marker: str | None) -> None:
    """Add forms posted empty, change forms posted back, every action on one row, autocomplete."""
    for model, _model_admin in _admins():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"admin:{info}_changelist")
        listing = client.get(changelist)
        assert listing.status_code < 500
        if listing.status_code != 200:
            continue
        add = client.get(reverse(f"admin:{info}_add"))
        assert add.status_code < 500, f"{info} add answered {add.status_code}"
        if add.status_code == 200:
            posted = client.post(reverse(f"admin:{info}_add"), _form_data(add) | {"_save": "Save"})
            assert posted.status_code < 500, f"{info} add post answered {posted.status_code}"
        pks = re.findall(r'name="_selected_action" value="([^"]+)"', listing.content.decode())
        if not pks:
            continue
        try:
            change_url = reverse(f"admin:{info}_change", args=[pks[0]])
        except NoReverseMatch:
            continue
        change = client.get(change_url)
        assert change.status_code < 500, f"{change_url} answered {change.status_code}"
        if change.status_code == 200 and b'type="submit"' in change.content and b'name="_save"' in change.content:
            saved = client.post(change_url, _form_data(change) | {"_save": "Save"})
            assert saved.status_code < 500, f"{change_url} post answered {saved.status_code}"
        for action in re.findall(r'<option value="([a-z_]+)"', _actions_select(listing.content.decode())):
            first = client.post(changelist, {"action": action, "_selected_action": [pks[0]], "index": "0"})
            assert first.status_code < 500, f"{info} action {action} answered {first.status_code}"
            if first.status_code == 200 and b'name="confirmed"' in first.content:
                confirmed = client.post(
                    changelist,
                    {"action": action, "_selected_action": [pks[0]], "confirmed": "yes", "note": "walker"},
                )
                assert confirmed.status_code < 500, f"{info} action {action} confirmed: {confirmed.status_code}"
    for app_label, model_name, field_name in [
        ("pros", "service", "pro"),
        ("pros", "service", "category"),
        ("connections", "connectionevent", "lead"),
        ("ranking", "prodailysnapshot", "pro"),
    ]:
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": "MARK"},
        )
        assert response.status_code < 500
        if foreign_marker:
            assert foreign_marker.encode() not in response.content


def _actions_select(html: str) -> str:
    match = re.search(r'<select name="action"[^>]*>(.*?)</select>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("who", ["maple", "formosa", "superuser"])
def test_every_admin_page_and_action_answers_without_a_500(client, maple, formosa, superuser, who):
    user = {"maple": maple.staff, "formosa": formosa.staff, "superuser": superuser}[who]
    foreign = {"maple": formosa.marker, "formosa": maple.marker, "superuser": None}[who]
    login(client, user)
    statuses = crawl(client, foreign)
    visited = {url.split("?", 1)[0] for url in statuses}
    # The walk reached every list the user may see, and the console's own pages.
    for model, model_admin in _admins():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        fake = type("R", (), {"user": user})()
        if model_admin.has_module_permission(fake):
            assert reverse(f"admin:{info}_changelist") in visited, f"{info} list not reached"
    assert "/admin/billing/ledgerentry/revenue/" in visited
    assert "/admin/leads/lead/export.csv" in visited
    assert len(statuses) > 100
    post_everything(client, foreign)
    # The index again after the actions ran (disputes decided, leads expired, tiers changed).
    assert client.get("/admin/").status_code == 200
