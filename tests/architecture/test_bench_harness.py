"""The bench harness (`make bench`): its results file, its statement counter and a lower bound
that must do the same work as the product (bench/README.md). Figures are not asserted here:
timed tests are not the place for them; the bench measures."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import results
from marketplace.models import MarketplacePolicy
from pros.models import Pro
from tests.factories import MarketplaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def out_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "OUT_DIR", tmp_path)
    return tmp_path


def _entry(product, lower, target, target_is, unit):
    key = "req_s" if unit == "req/s" else "p95"
    return {
        "product": {key: product, "unit": unit},
        "lower_bound": {key: lower, "unit": unit},
        "ratio": product / lower,
        "ratio_of": key,
        "target": target,
        "target_is": target_is,
        "statements_per_request": 3,
    }


def test_results_json_holds_the_run_settings_and_per_path_figures_ratio_target_and_statements(out_dir):
    results.start_module("bench_fake")
    results.record(
        "bench_fake", "click", _entry(80.0, 100.0, 0.7, "min", "req/s"), settings={"gunicorn_workers": 2, "clients": 16}
    )
    results.record("bench_fake", "pro_list", _entry(5.0, 2.0, 2.0, "max", "ms"))
    merged = results.merge(["bench_fake"])

    on_disk = json.loads((out_dir / "results.json").read_text())
    assert on_disk == json.loads(json.dumps(merged, default=str, sort_keys=True))
    assert set(on_disk["run"]) >= results.RUN_KEYS
    assert on_disk["run"]["gunicorn_workers"] == {"bench_fake": 2}
    assert on_disk["run"]["postgres"]  # the server's version, read from the database
    assert set(on_disk["paths"]) == {"click", "pro_list"}
    for entry in on_disk["paths"].values():
        assert set(entry) >= results.PATH_KEYS
        assert entry["product"]["unit"] == entry["lower_bound"]["unit"]
    assert on_disk["paths"]["click"]["ratio"] == 0.8
    assert on_disk["paths"]["click"]["meets_target"] is True  # 0.8 >= 0.7 of the bare view's req/s
    assert on_disk["paths"]["pro_list"]["meets_target"] is False  # 2.5x > 2x the hand SQL's p95
    assert "click" in results.summary(on_disk)


def test_a_rerun_module_forgets_its_earlier_paths_and_merge_reads_only_the_modules_run(out_dir):
    results.record("bench_fake", "old_path", _entry(1.0, 1.0, 0.5, "min", "req/s"))
    results.record("bench_other", "other", _entry(1.0, 1.0, 0.5, "min", "req/s"))
    results.start_module("bench_fake")
    results.record("bench_fake", "new_path", _entry(1.0, 1.0, 0.5, "min", "req/s"))
    assert set(results.merge(["bench_fake"])["paths"]) == {"new_path"}


def test_a_path_whose_lower_bound_produced_other_outputs_does_not_meet_its_target(out_dir):
    results.start_module("bench_fake")
    results.record("bench_fake", "same", {**_entry(1.0, 1.0, 2.0, "max", "s"), "outputs_differing_runs": 0})
    results.record("bench_fake", "runs", {**_entry(1.0, 1.0, 2.0, "max", "s"), "outputs_differing_runs": 3})
    results.record("bench_fake", "pages", {**_entry(1.0, 1.0, 2.0, "max", "ms"), "pages_differing": 1})
    paths = results.merge(["bench_fake"])["paths"]
    assert [paths[name]["meets_target"] for name in ("same", "runs", "pages")] == [True, False, False]


def test_a_path_without_its_lower_bound_or_target_is_refused(out_dir):
    with pytest.raises(ValueError, match="lower_bound"):
        results.record("bench_fake", "x", {"product": {}, "ratio": 1, "target": 1, "target_is": "max"})


def test_the_statement_counter_counts_every_statement_of_an_in_process_request_through_its_signals():
    """An in-process request fires request_started, which empties Django's query log (what
    CaptureQueriesContext reads); the counter wraps the connections' execution instead."""
    marketplace = MarketplaceFactory()
    client = Client()

    def get():
        return client.get("/api/v1/pros/", headers={"X-Marketplace": marketplace.slug})

    counter = results.StatementCounter()
    with counter.active():
        response = get()
        list(Pro.objects.filter(marketplace=marketplace))
    assert response.status_code == 200
    assert counter.count == len(counter.sql) >= 2
    assert any("pros_pro" in sql for sql in counter.sql[:-1])  # the list's own page query
    assert "pros_pro" in counter.sql[-1]  # and the statement after the request's signals

    with CaptureQueriesContext(connection) as captured:
        list(Pro.objects.filter(marketplace=marketplace))
        MarketplacePolicy.objects.filter(marketplace=marketplace).exists()
    count, _ = results.count_statements(
        lambda: (
            list(Pro.objects.filter(marketplace=marketplace)),
            MarketplacePolicy.objects.filter(marketplace=marketplace).exists(),
        )
    )
    assert count == len(captured) == 2


@pytest.mark.postgres
def test_the_rollup_lower_bound_writes_exactly_what_the_rollup_job_writes(monkeypatch):
    """bench_rollup's hand-written statement: the same pros' figures, snapshots, standings and
    pros to notify as ranking.services.pro_stats_rollup, on the same data (both rolled back)."""
    from bench import bench_rollup

    monkeypatch.setattr(bench_rollup, "N_PROS", 60)
    monkeypatch.setattr(bench_rollup, "N_LEADS", 1_500)
    marketplace = MarketplaceFactory(postal_scheme="ca_fsa")
    MarketplacePolicy.objects.update_or_create(
        marketplace=marketplace, defaults={"response_rate_demotion_enabled": True}
    )
    marketplace.refresh_from_db()
    bench_rollup._seed(marketplace)
    # A pro with no lead and no activity: a day later neither its row nor its standing moves,
    # so the job leaves its standing as the priming wrote it (and so must the hand SQL).
    Pro.objects.create(marketplace=marketplace, name="Idle", slug="idle")
    now = timezone.now()
    bench_rollup.pro_stats_rollup(marketplace=marketplace, now=now, notify=False)  # priming, as the bench

    later = now + timezone.timedelta(days=1)
    _, statements, product_digest, product_out = bench_rollup._product_run(marketplace, later)
    _, hand_statements, hand_digest, hand_out = bench_rollup._hand_run(marketplace, later)

    assert product_out["summary"][0] == 61 and product_out["summary"][2] > 0  # some pros demoted
    assert hand_out == product_out
    assert hand_digest == product_digest
    assert hand_statements == 2 < statements
