"""Queues per kind of work: money, notifications, rollups, default (marketplace/celery_routing.py)."""

import pytest

from marketplace.celery import app
from marketplace.celery_routing import MONEY, NOTIFICATIONS, QUEUE_NAMES, ROLLUPS, queue_for, task_queues

MONEY_TASKS = {
    "leads.tasks.accept_charge_process_task",
    "leads.tasks.accept_charges_recover",
    "billing.tasks.refunds_recover",
    "billing.tasks.provider_event_process",
    "billing.tasks.provider_events_redrive",
    "billing.tasks.top_ups_recover",
}
NOTIFICATION_TASKS = {
    "leads.tasks.notification_email_send",
    "leads.tasks.notification_webhook_send",
    "leads.tasks.notifications_resend_stale",
    "marketplace.tasks.account_email_send",
}


def _app_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_registered_task_is_routed_to_one_of_the_four_queues_and_money_work_to_money():
    tasks = _app_tasks()
    assert tasks >= MONEY_TASKS | NOTIFICATION_TASKS
    for name in tasks:
        expected = MONEY if name in MONEY_TASKS else NOTIFICATIONS if name in NOTIFICATION_TASKS else None
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in QUEUE_NAMES
        assert queue == queue_for(name)
        if expected:
            assert queue == expected, name
    assert queue_for("ranking.tasks.pro_stats_rollup_all") == ROLLUPS
    assert queue_for("connections.tasks.connections_rollup") == ROLLUPS


@pytest.mark.parametrize(
    "name", ["billing.tasks.wallet_top_up_settle", "payments.tasks.anything", "leads.tasks.wallet_refill", "x.topup_y"]
)
def test_a_task_named_for_money_lands_on_the_money_queue_by_its_name_alone(name):
    assert queue_for(name) == MONEY


def test_rabbitmq_queues_are_quorum_queues_and_redis_queues_plain():
    for queue in task_queues("amqp://guest:guest@rabbit:5672/leadmarket"):
        assert queue.queue_arguments == {"x-queue-type": "quorum"} and queue.durable
    for queue in task_queues("redis://redis:6379/0"):
        assert not queue.queue_arguments
    assert app.conf.task_default_queue == "default"
