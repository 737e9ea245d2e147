from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from billing.hooks import lead_credited, pending_charge_finish
        from leads.notifications import pro_notify_credit
        from leads.selectors import reviewable_jobs
        from leads.services.accept import accept_charge_process
        from pros.hooks import reviewable_jobs as pros_reviewable_jobs

        pending_charge_finish.register(accept_charge_process)
        lead_credited.connect(pro_notify_credit)
        pros_reviewable_jobs.register(reviewable_jobs)
