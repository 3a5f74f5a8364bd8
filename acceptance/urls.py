"""URLs of acceptance, mounted under /acceptance/."""

from django.urls import path

from acceptance import views

app_name = "acceptance"

urlpatterns = [
    path("", views.acceptance_list, name="list"),
    path("batch/", views.batch, name="batch"),
    path("register.xlsx", views.register_export, name="register"),
    path("households/<int:pk>/", views.household_acceptance, name="household"),
    path("households/<int:pk>/inspect/", views.acceptance_new, name="new"),
    path("households/<int:pk>/stove-removal/", views.stove_removal, name="stove_removal"),
    path("records/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("villages/<int:pk>/summary.pdf", views.village_summary, name="village_summary"),
    path("records/<int:pk>/rectify/", views.rectification_new, name="rectify"),
    path("records/<int:pk>/revoke/", views.acceptance_revoke, name="revoke"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
