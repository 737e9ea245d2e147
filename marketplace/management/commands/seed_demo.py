from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo marketplaces (maple, formosa) with staff logins. Safe to re-run."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("Demo data is never loaded in production.")
        logins = demo_seed()
        self.stdout.write(self.style.SUCCESS("Demo marketplaces ready: maple, formosa"))
        for email, password in logins:
            self.stdout.write(f"  admin login: {email} / {password}")
