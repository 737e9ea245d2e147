"""The Celery app. Periodic jobs live in one static schedule, reviewable in git."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Later apps add their jobs here; each task is idempotent and set-based, so an extra or a
# late run is harmless (no rule depends on a job having run on time).
app.conf.beat_schedule = {
    "idempotency-keys-prune": {
        "task": "marketplace.tasks.idempotency_keys_prune",
        "schedule": crontab(minute=17),
    },
    "token-records-prune": {
        "task": "marketplace.tasks.token_records_prune",
        "schedule": crontab(minute=29, hour=4),
    },
    "pros-star-scores-recompute": {
        "task": "pros.tasks.star_scores_recompute_nightly",
        "schedule": crontab(hour=3, minute=41),
    },
    "ranking-pro-stats-rollup": {
        "task": "ranking.tasks.pro_stats_rollup_all",
        "schedule": crontab(minute=23),
    },
    "ranking-dirty-pros-refresh": {
        "task": "ranking.tasks.dirty_pros_refresh",
        "schedule": 20.0,
        "options": {"expires": 20},  # a backlogged worker runs the next one, not a pile of them
    },
    "connections-rollup": {
        "task": "connections.tasks.connections_rollup",
        "schedule": crontab(minute="*/10"),
    },
    "leads-expire-due": {
        "task": "leads.tasks.leads_expire_due",
        "schedule": crontab(minute="*"),
    },
    "billing-provider-events-redrive": {
        "task": "billing.tasks.provider_events_redrive",
        "schedule": 300.0,
    },
    "billing-refunds-recover": {
        "task": "billing.tasks.refunds_recover",
        "schedule": 60.0,
    },
    "billing-credits-unread-grant": {
        "task": "billing.tasks.credits_unread_grant",
        "schedule": crontab(minute="*/15"),
    },
    "billing-top-ups-recover": {
        "task": "billing.tasks.top_ups_recover",
        "schedule": 60.0,
    },
    "leads-accept-charges-recover": {
        "task": "leads.tasks.accept_charges_recover",
        "schedule": crontab(minute="*"),
    },
    "leads-notifications-resend-stale": {
        "task": "leads.tasks.notifications_resend_stale",
        "schedule": crontab(minute="*/5"),
    },
    "leads-notifications-summaries-send": {
        "task": "leads.tasks.notifications_summaries_send",
        "schedule": crontab(minute="*/5"),
    },
    "connections-prune": {
        "task": "connections.tasks.connections_prune",
        "schedule": crontab(minute=41, hour=3),
    },
}
