from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplaces and accounts"

    def ready(self) -> None:
        from marketplace.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
