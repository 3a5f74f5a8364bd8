"""URLs of progress: the dashboard, a town's page and the PDF progress reports."""

from django.urls import path

from tasks.progress import report_views, views

app_name = "progress"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("towns/<slug:code>/", views.town_detail, name="town_detail"),
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/request/", report_views.report_request, name="report_request"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
]
