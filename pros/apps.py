from django.apps import AppConfig


class ProsConfig(AppConfig):
    name = "pros"
