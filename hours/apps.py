from django.apps import AppConfig


class HoursConfig(AppConfig):
    name = "hours"
    verbose_name = "Working hours, vacations and the business-hours clock"
    default_auto_field = "django.db.models.BigAutoField"
