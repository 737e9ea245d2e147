"""WSGI entry for bench_clicks: the product's settings with the bench-only URLconf."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ROOT_URLCONF = "bench.clicks_urls"
application = get_wsgi_application()
