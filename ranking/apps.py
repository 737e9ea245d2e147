from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "ranking"

    def ready(self) -> None:
        from leads import hooks
        from ranking import services

        hooks.lead_answered.connect(services.lead_answered_refresh)
