from django.urls import path

from ranking.api import views

urlpatterns = [
    path("pro/stats/", views.ProStatsView.as_view(), name="pro-stats"),
]
