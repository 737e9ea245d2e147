from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplaces and accounts"

    def ready(self) -> None:
        from celery.signals import before_task_publish

        from marketplace import signals
        from marketplace.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from marketplace.observability import celery_publish_stamp

        before_task_publish.connect(celery_publish_stamp, dispatch_uid="leadmarket-publish-stamp")
        signals.connect()  # cached marketplaces, policies and users forgotten on change
