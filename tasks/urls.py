from django.urls import path

from . import views
from .views import ledger_io

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("towns/<slug:code>/", views.town_detail, name="town_detail"),
    path("ledger/export/", ledger_io.ledger_export, name="ledger_export"),
    path("ledger/import/", ledger_io.ledger_import, name="ledger_import"),
    path("ledger/import/template/", ledger_io.ledger_template, name="ledger_template"),
    path("ledger/imports/", ledger_io.ledger_import_list, name="ledger_import_list"),
    path("ledger/imports/<int:pk>/", ledger_io.ledger_import_detail, name="ledger_import_detail"),
    path(
        "ledger/imports/<int:pk>/progress/",
        ledger_io.ledger_import_progress,
        name="ledger_import_progress",
    ),
    path(
        "ledger/imports/<int:pk>/confirm/",
        ledger_io.ledger_import_confirm,
        name="ledger_import_confirm",
    ),
]
