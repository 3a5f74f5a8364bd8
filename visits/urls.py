"""URLs of visits, cases and safety checks, mounted under /visits/."""

from django.urls import include, path

from visits.views import cases, dashboard, samples, visits

app_name = "visits"

urlpatterns = [
    path("", visits.visit_list, name="visit_list"),
    path("<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("photos/<int:pk>/", visits.photo, name="photo"),
    path("samples/", samples.sample_list, name="sample_list"),
    path("samples/draw/", samples.sample_draw, name="sample_draw"),
    path("samples/<int:pk>/", samples.sample_detail, name="sample_detail"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/notice/", cases.case_notice, name="case_notice"),
    path("cases/<int:pk>/<slug:action>/", cases.case_act, name="case_act"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("safety/", include("visits.safety.urls")),
]
