from django.apps import AppConfig


class ProsConfig(AppConfig):
    name = "pros"

    def ready(self) -> None:
        from marketplace.hooks import pro_business_create
        from pros.services import pro_business_create as create

        pro_business_create.register(create)
