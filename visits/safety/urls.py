"""URLs of safety checks, emergency plans and drills, under /visits/safety/ (visits:safety:…)."""

from django.urls import path

from visits.safety import views

app_name = "safety"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/void/", views.void, {"kind": "inspection"}, name="inspection_void"),
    path("findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("findings/<int:pk>/send-back/", views.finding_send_back, name="finding_send_back"),
    path("emergency/", views.emergency, name="emergency"),
    path("emergency/plans/new/", views.plan_new, name="plan_new"),
    path("emergency/plans/<int:pk>/document/", views.plan_document, name="plan_document"),
    path("emergency/drills/new/", views.drill_new, name="drill_new"),
    path("emergency/drills/<int:pk>/report/", views.drill_report, name="drill_report"),
    path("emergency/plans/<int:pk>/void/", views.void, {"kind": "plan"}, name="plan_void"),
    path("emergency/drills/<int:pk>/void/", views.void, {"kind": "drill"}, name="drill_void"),
]
