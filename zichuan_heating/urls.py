"""URL configuration: each app mounts its own urls; auth and i18n live here."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from zichuan_heating import views

notification_urls = (
    [
        path("", views.notification_list, name="list"),
        path("read/", views.notification_read_all, name="read_all"),
    ],
    "notifications",
)

admin.site.site_header = _("淄川区清洁取暖管理系统")
admin.site.site_title = _("淄川区清洁取暖管理系统")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("display/", views.display_toggle, name="display"),
    path("accounts/", include("zichuan_heating.accounts.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include(notification_urls)),
    path("acceptance/", include("acceptance.urls")),
    path("visits/", include("visits.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("api/", include("subsidies.metering.api_urls")),
    path("", include("tasks.progress.urls")),
    path("", include("tasks.ledger.urls")),
    path("", include("tasks.plans.urls")),
    path("", include("tasks.villages.urls")),
]

# The site's own error pages (templates/403.html and 404.html through Django's default views).
handler400 = "zichuan_heating.security.bad_request"
handler500 = "zichuan_heating.security.server_error"
