from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from billing.hooks import auto_top_up_attention, lead_credited, pending_charge_finish
        from leads import hooks, receivers
        from leads.notifications import pro_notify_auto_top_up, pro_notify_credit
        from leads.selectors import reviewable_jobs
        from leads.services.accept import accept_charge_process
        from leads.services.interest import lead_connected_notify
        from pros.hooks import reviewable_jobs as pros_reviewable_jobs

        pending_charge_finish.register(accept_charge_process)
        lead_credited.connect(pro_notify_credit)
        auto_top_up_attention.connect(pro_notify_auto_top_up)
        pros_reviewable_jobs.register(reviewable_jobs)
        hooks.lead_offered.connect(receivers.lead_offered_count)
        hooks.lead_answered.connect(receivers.lead_answered_count)
        hooks.lead_answered.connect(lead_connected_notify)
