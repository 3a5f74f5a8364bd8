"""URLs of town plans (实施方案), district review and supervision notices (督办)."""

from django.urls import include, path

from tasks.plans import supervision_views, views

app_name = "plans"

#: One plan revision's pages, under plans/<pk>/.
plan_urls = [
    path("", views.plan_detail, name="plan_detail"),
    path("submit/", views.plan_submit, name="plan_submit"),
    path("approve/", views.plan_approve, name="plan_approve"),
    path("return/", views.plan_return, name="plan_return"),
    path("document.pdf", views.plan_document, name="plan_document"),
]

#: One supervision notice's pages, under supervision/<pk>/.
notice_urls = [
    path("", supervision_views.notice_detail, name="notice_detail"),
    path("notice.pdf", supervision_views.notice_document, name="notice_document"),
    path("answer/", supervision_views.notice_answer, name="notice_answer"),
    path("close/", supervision_views.notice_close, name="notice_close"),
    path("send-back/", supervision_views.notice_send_back, name="notice_send_back"),
]

urlpatterns = [
    path("plans/", views.plan_index, name="plan_index"),
    path("plans/review/", views.plan_review_queue, name="plan_review_queue"),
    path("plans/overview/", views.plan_overview, name="plan_overview"),
    path("plans/overview/threshold/", views.plan_threshold, name="plan_threshold"),
    path("plans/town/<slug:code>/", views.plan_town, name="plan_town"),
    path("plans/town/<slug:code>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/", include(plan_urls)),
    path("plans/submissions/<int:pk>/", views.plan_submission, name="plan_submission"),
    path("supervision/", supervision_views.notice_list, name="notice_list"),
    path("supervision/new/", supervision_views.notice_issue, name="notice_issue"),
    path("supervision/<int:pk>/", include(notice_urls)),
    path(
        "supervision/attachments/<int:pk>/",
        supervision_views.notice_attachment_download,
        name="notice_attachment",
    ),
]
