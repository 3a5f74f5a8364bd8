"""URLs of the household ledger: the list, a household's pages, import and export."""

from django.urls import include, path

from tasks.ledger import audit_views, bulk_views, import_views, views

app_name = "ledger"

#: One household's pages, under households/<pk>/.
household_urls = [
    path("", views.household_detail, name="household_detail"),
    path("edit/", views.household_edit, name="household_edit"),
    path("id-number/", views.household_id_number, name="household_id_number"),
    path("status/<slug:action>/", views.household_action, name="household_action"),
    path("withdraw/", views.household_withdraw, name="household_withdraw"),
    path("restore/", views.household_restore, name="household_restore"),
]

#: One import job's pages, under ledger/imports/<pk>/.
import_job_urls = [
    path("", import_views.ledger_import_detail, name="ledger_import_detail"),
    path("progress/", import_views.ledger_import_progress, name="ledger_import_progress"),
    path("confirm/", import_views.ledger_import_confirm, name="ledger_import_confirm"),
]

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/bulk/", bulk_views.household_bulk, name="household_bulk"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", include(household_urls)),
    path("ledger/id-number-views/", audit_views.id_number_audit, name="id_number_audit"),
    path("ledger/export/", import_views.ledger_export, name="ledger_export"),
    path("ledger/import/", import_views.ledger_import, name="ledger_import"),
    path("ledger/import/template/", import_views.ledger_template, name="ledger_template"),
    path("ledger/imports/", import_views.ledger_import_list, name="ledger_import_list"),
    path("ledger/imports/<int:pk>/", include(import_job_urls)),
]
