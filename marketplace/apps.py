from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = "Marketplaces and accounts"

    def ready(self) -> None:
        from marketplace.api import schema  # noqa: F401  (registers the OpenAPI auth extension)


class MarketplaceAdminConfig(AdminConfig):
    """Django's admin with our site as the default (password + optional TOTP code)."""

    default_site = "marketplace.admin_site.StaffAdminSite"
