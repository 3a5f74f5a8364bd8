"""URLs of the household ledger: the list, a household's pages, import and export."""

from django.urls import path

from tasks.ledger import audit_views, bulk_views, import_views, views

app_name = "ledger"

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/bulk/", bulk_views.household_bulk, name="household_bulk"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/id-number/", views.household_id_number, name="household_id_number"),
    path(
        "households/<int:pk>/status/<slug:action>/", views.household_action, name="household_action"
    ),
    path("households/<int:pk>/withdraw/", views.household_withdraw, name="household_withdraw"),
    path("households/<int:pk>/restore/", views.household_restore, name="household_restore"),
    path("ledger/id-number-views/", audit_views.id_number_audit, name="id_number_audit"),
    path("ledger/export/", import_views.ledger_export, name="ledger_export"),
    path("ledger/import/", import_views.ledger_import, name="ledger_import"),
    path("ledger/import/template/", import_views.ledger_template, name="ledger_template"),
    path("ledger/imports/", import_views.ledger_import_list, name="ledger_import_list"),
    path(
        "ledger/imports/<int:pk>/", import_views.ledger_import_detail, name="ledger_import_detail"
    ),
    path(
        "ledger/imports/<int:pk>/progress/",
        import_views.ledger_import_progress,
        name="ledger_import_progress",
    ),
    path(
        "ledger/imports/<int:pk>/confirm/",
        import_views.ledger_import_confirm,
        name="ledger_import_confirm",
    ),
]
