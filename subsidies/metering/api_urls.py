"""The REST API under /api/: the utilities' readings endpoint and its OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from subsidies.metering import api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path("v1/readings/", api.ReadingSubmitView.as_view(), name="readings_submit"),
    path("v1/readings/list/", api.ReadingList.as_view(), name="readings_list"),
    path("v1/meters/", api.MeterList.as_view(), name="meters"),
]
