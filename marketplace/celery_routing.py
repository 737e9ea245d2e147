"""Celery queues and routes: money work never waits behind a notification backlog.

Four queues, each served by its own worker pool in production (``docker-compose.yml``):

- ``money``: finishing and recovering accept charges, refunds, provider events — and any task
  *named* for money: ``billing.*``, ``payments.*``, or a name containing ``topup``/``top_up``/
  ``wallet`` (so a wallet top-up task lands here by its name alone, with no edit to this file);
- ``notifications``: e-mail and webhook deliveries and their re-drive (the bulk: two per lead),
  account e-mails;
- ``rollups``: ranking and connections rollups, Star Score recomputes (long, set-based);
- ``default``: everything else (lead expiry, idempotency-key pruning).

On RabbitMQ (``CELERY_BROKER_URL=amqp://…``) every queue is a **quorum queue**: replicated
with Raft, durable, and Celery acknowledges late, so a message is removed only once its task
finished; a worker that dies hands its unacknowledged message back at once. On Redis the
queues are lists and an unacknowledged message comes back after the visibility timeout.
"""

from __future__ import annotations

from kombu import Exchange, Queue

MONEY, NOTIFICATIONS, ROLLUPS, DEFAULT = "money", "notifications", "rollups", "default"
QUEUE_NAMES = (MONEY, NOTIFICATIONS, ROLLUPS, DEFAULT)

# Exact names first, then glob patterns in this order (Celery's MapRoute).
TASK_ROUTES: dict[str, dict[str, str]] = {
    "leads.tasks.accept_charge_process_task": {"queue": MONEY},
    "leads.tasks.accept_charges_recover": {"queue": MONEY},
    "leads.tasks.notification_email_send": {"queue": NOTIFICATIONS},
    "leads.tasks.notification_webhook_send": {"queue": NOTIFICATIONS},
    "leads.tasks.notifications_resend_stale": {"queue": NOTIFICATIONS},
    "marketplace.tasks.account_email_send": {"queue": NOTIFICATIONS},
    "billing.*": {"queue": MONEY},
    "payments.*": {"queue": MONEY},
    "*topup*": {"queue": MONEY},
    "*top_up*": {"queue": MONEY},
    "*wallet*": {"queue": MONEY},
    "*.notify*": {"queue": NOTIFICATIONS},
    "ranking.*": {"queue": ROLLUPS},
    "connections.*": {"queue": ROLLUPS},
    "pros.tasks.*": {"queue": ROLLUPS},
}


def is_amqp(broker_url: str) -> bool:
    return broker_url.startswith(("amqp://", "amqps://", "pyamqp://"))


def task_queues(broker_url: str) -> tuple[Queue, ...]:
    """The four queues; quorum queues on RabbitMQ."""
    arguments = {"x-queue-type": "quorum"} if is_amqp(broker_url) else None
    return tuple(
        Queue(name, Exchange(name, type="direct"), routing_key=name, queue_arguments=arguments, durable=True)
        for name in QUEUE_NAMES
    )


def queue_for(task_name: str) -> str:
    """The queue a task of this name is sent to (what Celery's router decides)."""
    from celery.app.routes import MapRoute

    route = MapRoute(TASK_ROUTES)(task_name)
    return route["queue"] if route else DEFAULT
