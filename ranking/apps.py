from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "ranking"

    def ready(self) -> None:
        from leads import hooks
        from ranking import dirty

        # An answer marks its pro dirty (in the answer's transaction); the pass every 20 seconds
        # recomputes the marked pros (ranking/dirty.py): no task per answer.
        hooks.lead_answered.connect(dirty.lead_answered_mark)
