"""URLs of acceptance, mounted under /acceptance/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.acceptance_list, name="acceptance_list"),
    path("batch/", views.batch, name="acceptance_batch"),
    path("register.xlsx", views.register_export, name="acceptance_register"),
    path("households/<int:pk>/", views.household_acceptance, name="acceptance_household"),
    path("households/<int:pk>/inspect/", views.acceptance_new, name="acceptance_new"),
    path(
        "households/<int:pk>/stove-removal/", views.stove_removal, name="acceptance_stove_removal"
    ),
    path("records/<int:pk>/rectify/", views.rectification_new, name="acceptance_rectify"),
    path("records/<int:pk>/revoke/", views.acceptance_revoke, name="acceptance_revoke"),
    path("attachments/<int:pk>/", views.attachment_download, name="acceptance_attachment"),
]
