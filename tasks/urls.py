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

from .views import households  # noqa: E402

urlpatterns += [
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", households.household_edit, name="household_edit"),
    path(
        "households/<int:pk>/id-number/",
        households.household_id_number,
        name="household_id_number",
    ),
    path(
        "households/<int:pk>/status/<slug:action>/",
        households.household_action,
        name="household_action",
    ),
    path("households/<int:pk>/withdraw/", households.household_withdraw, name="household_withdraw"),
    path("households/<int:pk>/restore/", households.household_restore, name="household_restore"),
]

# Town plans (实施方案) and supervision (督办).
from .views import plans as plan_views  # noqa: E402
from .views import supervision as supervision_views  # noqa: E402

urlpatterns += [
    path("plans/", plan_views.plan_index, name="plan_index"),
    path("plans/review/", plan_views.plan_review_queue, name="plan_review_queue"),
    path("plans/overview/", plan_views.plan_overview, name="plan_overview"),
    path("plans/overview/threshold/", plan_views.plan_threshold, name="plan_threshold"),
    path("plans/town/<slug:code>/", plan_views.plan_town, name="plan_town"),
    path("plans/town/<slug:code>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/submit/", plan_views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/approve/", plan_views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/return/", plan_views.plan_return, name="plan_return"),
    path("plans/submissions/<int:pk>/", plan_views.plan_submission, name="plan_submission"),
    path("supervision/", supervision_views.notice_list, name="notice_list"),
    path("supervision/new/", supervision_views.notice_issue, name="notice_issue"),
    path("supervision/<int:pk>/", supervision_views.notice_detail, name="notice_detail"),
    path("supervision/<int:pk>/answer/", supervision_views.notice_answer, name="notice_answer"),
    path("supervision/<int:pk>/close/", supervision_views.notice_close, name="notice_close"),
    path(
        "supervision/<int:pk>/send-back/",
        supervision_views.notice_send_back,
        name="notice_send_back",
    ),
]

from .views import reports as report_views  # noqa: E402

urlpatterns += [
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/request/", report_views.report_request, name="report_request"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
]
