"""URLs of visits, cases and safety checks, mounted under /visits/."""

from django.urls import include, path

app_name = "visits"

urlpatterns: list = [
    path("safety/", include("visits.safety.urls")),
]
