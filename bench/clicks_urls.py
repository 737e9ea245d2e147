"""Bench-only URLconf: the product's routes plus a bare redirect view (the lower bound)."""

from django.http import HttpResponseRedirect
from django.urls import path

from marketplace.urls import urlpatterns as product_urlpatterns


def bare_redirect(request):
    return HttpResponseRedirect("https://pro.example.test/home")


urlpatterns = [path("bench/redirect/", bare_redirect), *product_urlpatterns]
