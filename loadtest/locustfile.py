# ruff: noqa: S311 - load-test traffic, not cryptography
"""The load scenario: homeowners ask for quotes, pros accept or reject, visitors browse and click.

Run headless by ``make load`` against gunicorn on loopback. Expected business answers (a
duplicate request, a lead already filled or answered) count as successes; any 5xx, any
unexpected status or a transport error counts as an error for that endpoint.
"""

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

ACCOUNTS = json.loads((Path(__file__).resolve().parent.parent / "var/load/accounts.json").read_text())
MARKET = ACCOUNTS["marketplace"]
_homeowners = itertools.cycle(ACCOUNTS["homeowners"])
_pros = itertools.cycle(ACCOUNTS["pros"])
THINK = float(os.environ.get("LOAD_THINK_SECONDS", "0.5"))
# `make load TOPOLOGY=…` runs several web processes: each simulated user sticks to one of them,
# round-robin, as a load balancer with sticky connections would spread them.
_hosts = itertools.cycle(os.environ["LOAD_HOSTS"].split(",")) if os.environ.get("LOAD_HOSTS") else None


def _bind_host(user) -> None:
    if _hosts is not None:
        user.client.base_url = next(_hosts)


def _check(response, ok: tuple[int, ...]) -> None:
    if response.status_code in ok:
        response.success()
    else:
        response.failure(f"HTTP {response.status_code}: {response.text[:120]}")


class Homeowner(FastHttpUser):
    weight = 2
    wait_time = between(THINK / 2, THINK * 2)

    def on_start(self):
        _bind_host(self)
        self.headers = {"X-Marketplace": MARKET, "Authorization": f"Bearer {next(_homeowners)}"}
        self.request_ids: list[int] = []

    @task(3)
    def ask_for_quotes(self):
        body = {
            "category": random.choice(ACCOUNTS["categories"]),
            "postal_code": f"{random.choice(ACCOUNTS['areas'])} {random.randint(1, 9)}A{random.randint(1, 9)}",
            "description": "Load test job: fix it please.",
            "contact": {"name": "Pat", "phone": "+1 416 555 0100", "email": "pat@example.test"},
        }
        with self.client.post(
            "/api/v1/quote-requests/",
            json=body,
            headers=self.headers,
            catch_response=True,
            name="POST /quote-requests/",
        ) as response:
            _check(response, (201, 409))  # 409: the same job asked again within the duplicate window
            if response.status_code == 201:
                self.request_ids.append(response.json()["id"])

    @task(2)
    def follow_requests(self):
        with self.client.get(
            "/api/v1/quote-requests/", headers=self.headers, catch_response=True, name="GET /quote-requests/"
        ) as response:
            _check(response, (200,))
        if self.request_ids:
            with self.client.get(
                f"/api/v1/quote-requests/{random.choice(self.request_ids)}/",
                headers=self.headers,
                catch_response=True,
                name="GET /quote-requests/{id}/",
            ) as response:
                _check(response, (200,))


class Pro(FastHttpUser):
    weight = 2
    wait_time = between(THINK / 2, THINK * 2)

    def on_start(self):
        _bind_host(self)
        self.headers = {"X-Marketplace": MARKET, "Authorization": f"Bearer {next(_pros)}"}

    @task
    def answer_leads(self):
        # A simulated user stands for the many pros at their desks: another account each time.
        self.headers = {"X-Marketplace": MARKET, "Authorization": f"Bearer {random.choice(ACCOUNTS['pros'])}"}
        with self.client.get(
            "/api/v1/pro/leads/", headers=self.headers, catch_response=True, name="GET /pro/leads/"
        ) as response:
            _check(response, (200,))
            if response.status_code != 200:
                return
            pending = [lead["id"] for lead in response.json()["results"] if lead["status"] == "pending"]
        if not pending:
            return
        lead_id = random.choice(pending)
        if random.random() < 0.7:
            with self.client.post(
                f"/api/v1/pro/leads/{lead_id}/accept/",
                json={"message": "Can come tomorrow."},
                headers=self.headers,
                catch_response=True,
                name="POST /pro/leads/{id}/accept/",
            ) as response:
                _check(response, (200, 409))  # 409: filled, expired or answered meanwhile
        else:
            with self.client.post(
                f"/api/v1/pro/leads/{lead_id}/reject/",
                json={"reason": "Fully booked."},
                headers=self.headers,
                catch_response=True,
                name="POST /pro/leads/{id}/reject/",
            ) as response:
                _check(response, (200, 409))

    @task
    def own_stats(self):
        with self.client.get(
            "/api/v1/pro/stats/", headers=self.headers, catch_response=True, name="GET /pro/stats/"
        ) as response:
            _check(response, (200,))


class Visitor(FastHttpUser):
    weight = 3
    wait_time = between(THINK / 2, THINK * 2)

    def on_start(self):
        _bind_host(self)
        self.headers = {"X-Marketplace": MARKET}

    @task(4)
    def browse_and_click(self):
        query = f"?category={random.choice(ACCOUNTS['categories'])}&postal_code={random.choice(ACCOUNTS['areas'])}"
        with self.client.get(
            f"/api/v1/pros/{query}", headers=self.headers, catch_response=True, name="GET /pros/?category&postal_code"
        ) as response:
            _check(response, (200,))
            if response.status_code != 200 or not response.json()["results"]:
                return
            pro = random.choice(response.json()["results"])["id"]
        with self.client.get(
            f"/api/v1/pros/{pro}/", headers=self.headers, catch_response=True, name="GET /pros/{id}/"
        ) as response:
            _check(response, (200,))
        if random.random() < 0.5:
            with self.client.get(
                f"/api/v1/pros/{pro}/phone/", headers=self.headers, catch_response=True, name="GET /pros/{id}/phone/"
            ) as response:
                _check(response, (200, 404))  # 404: a basic-tier pro shows no number
        else:
            with self.client.get(
                f"/api/v1/pros/{pro}/website/",
                headers=self.headers,
                allow_redirects=False,
                catch_response=True,
                name="GET /pros/{id}/website/",
            ) as response:
                _check(response, (302, 404))

    @task(1)
    def categories(self):
        with self.client.get(
            "/api/v1/categories/", headers=self.headers, catch_response=True, name="GET /categories/"
        ) as response:
            _check(response, (200,))
