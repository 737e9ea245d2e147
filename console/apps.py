from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The operator console: the admin site, its dashboard, audit trail and admin helpers."""

    name = "console"
    verbose_name = _("Operator console")
    default_auto_field = "django.db.models.BigAutoField"


class OperatorAdminConfig(AdminConfig):
    """``django.contrib.admin`` with the console's site (dashboard index, no "View site")."""

    default_site = "console.site.OperatorAdminSite"
