from django.urls import include, path

from subsidies import views
from subsidies.payments import urls as payments_urls

app_name = "subsidies"

#: One disbursement batch's pages, under batches/<pk>/.
batch_urls = [
    path("", views.batch_detail, name="batch_detail"),
    path("approve/", views.batch_approve, name="batch_approve"),
    path("return/", views.batch_return, name="batch_return"),
    path("resubmit/", views.batch_resubmit, name="batch_resubmit"),
    path("withdraw/", views.batch_withdraw, name="batch_withdraw"),
    path("export/", views.batch_export, name="batch_export"),
    path("download/", views.batch_download, name="batch_download"),
    path("paid/", views.batch_mark_paid, name="batch_mark_paid"),
    path("lines/<int:line_id>/fail/", views.line_fail, name="line_fail"),
    path("bank-return/", views.bank_return, name="bank_return"),
]

urlpatterns = [
    path("", views.overview, name="overview"),
    path("standards/", views.standard_list, name="standard_list"),
    path("standards/<int:pk>/edit/", views.standard_edit, name="standard_edit"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_prepare, name="batch_prepare"),
    path("batches/<int:pk>/", include(batch_urls)),
    path("households/<int:pk>/", views.household_schedule, name="household_schedule"),
]

# Payment accounts, fund sources and budgets, the protected sheet, the trace.
urlpatterns += payments_urls.urlpatterns

# Meters, readings, usage flags and adjustments (subsidies.metering).
from subsidies.metering import views as metering  # noqa: E402

urlpatterns += [
    path("readings/upload/", metering.readings_upload, name="readings_upload"),
    path("estimates/", metering.estimate_list, name="estimate_list"),
    path("flags/", metering.flag_list, name="flag_list"),
    path("flags/<int:pk>/", metering.flag_detail, name="flag_detail"),
    path("adjustments/", metering.adjustment_list, name="adjustment_list"),
    path("adjustments/<int:pk>/settle/", metering.adjustment_settle, name="adjustment_settle"),
    path("adjustments/<int:pk>/offset/", metering.adjustment_offset, name="adjustment_offset"),
    path("households/<int:pk>/meters/", metering.household_meters, name="household_meters"),
]
