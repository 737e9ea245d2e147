from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from billing.hooks import pending_charge_finish
        from leads.selectors import reviewable_jobs
        from leads.services.accept import accept_charge_process
        from pros.hooks import reviewable_jobs as pros_reviewable_jobs

        pending_charge_finish.register(accept_charge_process)
        pros_reviewable_jobs.register(reviewable_jobs)
