"""URLs of payments, mounted under the subsidies namespace (subsidies/urls.py adds them)."""

from django.urls import path

from subsidies.payments import views

urlpatterns = [
    path("households/<int:pk>/account/", views.account_edit, name="account_edit"),
    path("households/<int:pk>/trace/", views.trace_household, name="trace_household"),
    path("lines/<int:pk>/trace/", views.trace_line, name="trace_line"),
    path("funds/", views.funds, name="funds"),
    path("funds/budget/", views.budget_set, name="budget_set"),
    path("standards/<int:pk>/shares/", views.shares_edit, name="shares_edit"),
    path(
        "batches/<int:pk>/download-protected/",
        views.batch_download_protected,
        name="batch_download_protected",
    ),
]
