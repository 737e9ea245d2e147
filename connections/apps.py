from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"

    def ready(self) -> None:
        from connections import receivers
        from leads import hooks

        hooks.lead_offered.connect(receivers.lead_offered_record)
        hooks.lead_answered.connect(receivers.lead_answered_record)
