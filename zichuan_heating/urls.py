"""URL configuration: each app mounts its own urls; auth and i18n live here."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("淄川区清洁取暖管理系统")
admin.site.site_title = _("淄川区清洁取暖管理系统")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notification_read_all, name="notification_read_all"),
    path("acceptance/", include("acceptance.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("", include("tasks.urls")),
]
